import Foundation
import SandboxCore

/// A sandbox as the API returns it. `id` is the sandbox's name (also accepted by every
/// `/v1/sandboxes/{id}` route, as is `uuid`).
public struct SandboxResource: Codable, Sendable, Hashable {
    public var id: String
    public var name: String
    public var uuid: String
    public var mac: String?
    /// `running`, `shut_off`, `paused`, `crashed` … (see ``stateName(_:)``).
    public var state: String
    public var sourceVMName: String
    public var agentID: String?
    /// The address when known: always after `wait_for_ip`, on reads when a source knows one.
    public var ip: String?
    /// RFC 3339, UTC.
    public var createdAt: String
    public var ttlSeconds: Int?
    /// `created_at + ttl_seconds`, when there is a TTL: the janitor destroys the sandbox after it.
    public var expiresAt: String?
    /// How far the sandbox has come; only in `GET /v1/sandboxes/{id}` (absent from lists and
    /// from create, which would have to ask the guest agent).
    public var readiness: ReadinessResource?
    /// The tenant whose key created it (`local` on a server without keys; absent for sandboxes
    /// made by other tools).
    public var tenant: String?

    enum CodingKeys: String, CodingKey {
        case id, name, uuid, mac, state, ip, readiness, tenant
        case sourceVMName = "source_vm_name"
        case agentID = "agent_id"
        case createdAt = "created_at"
        case ttlSeconds = "ttl_seconds"
        case expiresAt = "expires_at"
    }

    init(
        name: String, uuid: String, mac: String?, state: DomainState, baseVM: String, agentID: String?, ip: String?,
        createdAt: Int64, ttlSeconds: Int?, tenant: String?
    ) {
        self.tenant = tenant
        self.id = name
        self.name = name
        self.uuid = uuid
        self.mac = mac
        self.state = Self.stateName(state)
        self.sourceVMName = baseVM
        self.agentID = agentID
        self.ip = ip
        self.createdAt = Self.timestamp(createdAt)
        self.ttlSeconds = ttlSeconds
        self.expiresAt = SandboxMetadata.expiry(createdAt: createdAt, ttlSeconds: ttlSeconds).map(Self.timestamp)
    }

    init(_ sandbox: Sandbox) {
        self.init(
            name: sandbox.name.value, uuid: sandbox.uuid, mac: sandbox.mac.description, state: sandbox.state,
            baseVM: sandbox.baseVM, agentID: sandbox.agentID, ip: sandbox.ipAddress, createdAt: sandbox.createdAt,
            ttlSeconds: sandbox.ttlSeconds, tenant: sandbox.tenant)
    }

    init(_ summary: SandboxSummary, mac: String?, ip: String?) {
        self.init(
            name: summary.name, uuid: summary.uuid, mac: mac, state: summary.state, baseVM: summary.baseVM,
            agentID: summary.agentID, ip: ip, createdAt: summary.createdAt, ttlSeconds: summary.ttlSeconds,
            tenant: summary.tenant)
    }

    /// A domain state as a stable snake_case word.
    public static func stateName(_ state: DomainState) -> String {
        switch state {
        case .noState: "no_state"
        case .running: "running"
        case .blocked: "blocked"
        case .paused: "paused"
        case .shuttingDown: "shutting_down"
        case .shutOff: "shut_off"
        case .crashed: "crashed"
        case .pmSuspended: "pm_suspended"
        case .unknown: "unknown"
        }
    }

    /// RFC 3339 in UTC, clamped to years 0001…9999 (metadata read back from libvirt may hold any
    /// number; RFC 3339 has four-digit years).
    static func timestamp(_ seconds: Int64) -> String {
        let clamped = min(max(seconds, minTimestamp), maxTimestamp)
        return Date(timeIntervalSince1970: TimeInterval(clamped)).ISO8601Format()
    }

    /// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z.
    static let minTimestamp: Int64 = -62_135_596_800
    static let maxTimestamp: Int64 = 253_402_300_799
}

/// A sandbox's readiness as the API returns it:
/// `{"stage": "cloud-init-done", "ip": "…", "agent": true, "cloud_init": {"datasource", "errors"}}`.
/// `stage` is a ``SandboxCore/SandboxManager/Readiness/Stage`` raw value (`not-running`,
/// `booting`, `agent-up`, `cloud-init-running`, `cloud-init-done`, `cloud-init-error`);
/// `cloud_init` is there once cloud-init has finished.
public struct ReadinessResource: Codable, Sendable, Hashable {
    public var stage: String
    public var ip: String?
    /// Whether the guest agent answered.
    public var agent: Bool
    public var cloudInit: CloudInit?

    public struct CloudInit: Codable, Sendable, Hashable {
        public var datasource: String?
        public var errors: [String]
    }

    enum CodingKeys: String, CodingKey {
        case stage, ip, agent
        case cloudInit = "cloud_init"
    }

    init(_ readiness: SandboxManager.Readiness) {
        stage = readiness.stage.rawValue
        ip = readiness.ipAddress
        agent = readiness.agentAnswers
        cloudInit = readiness.cloudInit.map { CloudInit(datasource: $0.datasource, errors: $0.errors) }
    }
}

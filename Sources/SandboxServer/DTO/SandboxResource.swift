import Foundation
import SandboxCore

/// A sandbox as the API returns it: the original system's `store.Sandbox` fields, then ours.
///
/// `id` is `SBX-` followed by the domain's name (`sandbox_name`); every `/v1/sandboxes/{id}` route
/// takes the id, the name or the UUID. `job_id` is `JOB-` and the name (one create is one change
/// set here). `state` is one of ``State``; `domain_state` is libvirt's own (`running`, `shut_off` …).
public struct SandboxResource: Codable, Sendable, Hashable {
    public var id: String
    public var sandboxName: String
    public var baseImage: String
    public var agentID: String?
    public var jobID: String
    /// The libvirt network of its first NIC (absent for a bridge, or when it cannot be read).
    public var network: String?
    /// The address when known: always after `wait_for_ip`, on reads when a source knows one.
    public var ipAddress: String?
    public var state: String
    public var ttlSeconds: Int?
    /// RFC 3339, UTC.
    public var createdAt: String
    /// The last change the service knows of: its creation (libvirt keeps no later time).
    public var updatedAt: String

    // Ours, beyond the original's.
    public var uuid: String
    public var mac: String?
    public var domainState: String
    /// `created_at + ttl_seconds`, when there is a TTL: the janitor destroys the sandbox after it.
    public var expiresAt: String?
    /// How far the sandbox has come; only in `GET /v1/sandboxes/{id}` (absent from lists and
    /// from create, which would have to ask the guest agent).
    public var readiness: ReadinessResource?
    /// The tenant whose key created it (`local` on a server without keys; absent for sandboxes
    /// made by other tools).
    public var tenant: String?

    /// The original system's sandbox states.
    public enum State: String, Codable, Sendable, CaseIterable {
        case created = "CREATED"
        case starting = "STARTING"
        case running = "RUNNING"
        case stopped = "STOPPED"
        case destroyed = "DESTROYED"
        case error = "ERROR"
    }

    enum CodingKeys: String, CodingKey {
        case id, network, state, uuid, mac, readiness, tenant
        case sandboxName = "sandbox_name"
        case baseImage = "base_image"
        case agentID = "agent_id"
        case jobID = "job_id"
        case ipAddress = "ip_address"
        case ttlSeconds = "ttl_seconds"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
        case domainState = "domain_state"
        case expiresAt = "expires_at"
    }

    /// The prefixes of ``id`` and ``jobID``.
    public static let idPrefix = "SBX-"
    public static let jobPrefix = "JOB-"

    init(
        name: String, uuid: String, nic: FirstNIC?, state: DomainState, hasRun: Bool, baseVM: String,
        agentID: String?, ip: String?, createdAt: Int64, ttlSeconds: Int?, tenant: String?
    ) {
        self.id = Self.idPrefix + name
        self.sandboxName = name
        self.baseImage = baseVM
        self.agentID = agentID
        self.jobID = Self.jobPrefix + name
        self.network = nic?.network
        self.ipAddress = ip
        self.state = Self.state(state, hasRun: hasRun).rawValue
        self.ttlSeconds = ttlSeconds
        self.createdAt = Self.timestamp(createdAt)
        self.updatedAt = self.createdAt
        self.uuid = uuid
        self.mac = nic?.mac
        self.domainState = Self.stateName(state)
        self.expiresAt = SandboxMetadata.expiry(createdAt: createdAt, ttlSeconds: ttlSeconds).map(Self.timestamp)
        self.tenant = tenant
    }

    package init(_ sandbox: Sandbox) {
        var network: String?
        if case .network(let name) = sandbox.interfaces.first?.source { network = name }
        self.init(
            name: sandbox.name.value, uuid: sandbox.uuid, nic: FirstNIC(mac: sandbox.mac.description, network: network),
            state: sandbox.state, hasRun: sandbox.state != .shutOff, baseVM: sandbox.baseVM, agentID: sandbox.agentID,
            ip: sandbox.ipAddress, createdAt: sandbox.createdAt, ttlSeconds: sandbox.ttlSeconds, tenant: sandbox.tenant)
    }

    init(_ summary: SandboxSummary, nic: FirstNIC?, ip: String?) {
        self.init(
            name: summary.name, uuid: summary.uuid, nic: nic, state: summary.state,
            hasRun: Self.hasRun(jobDirectory: summary.jobDirectory), baseVM: summary.baseVM,
            agentID: summary.agentID, ip: ip, createdAt: summary.createdAt, ttlSeconds: summary.ttlSeconds,
            tenant: summary.tenant)
    }

    /// The original's state for a libvirt state: a shut-off sandbox that never ran is `CREATED`,
    /// one that ran is `STOPPED`; a crashed one, or one libvirt cannot tell, is `ERROR`.
    public static func state(_ state: DomainState, hasRun: Bool) -> State {
        switch state {
        case .running, .blocked, .paused, .pmSuspended: .running
        case .shuttingDown: .stopped
        case .shutOff: hasRun ? .stopped : .created
        case .crashed, .noState, .unknown: .error
        }
    }

    /// Whether the sandbox has been started once: QEMU writes its console log from the first start.
    static func hasRun(jobDirectory: String?) -> Bool {
        guard let jobDirectory else { return false }
        return FileManager.default.fileExists(atPath: jobDirectory + "/" + SandboxManager.JobFile.console)
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

/// The MAC and libvirt network of a sandbox's first NIC, read from its live domain XML.
struct FirstNIC: Sendable, Hashable {
    var mac: String?
    var network: String?

    /// From the first `<interface>` of `xml`; nil without one.
    init?(domainXML xml: String) {
        guard let interface = DomainDescription(xml: xml)?.interfaces.first else { return nil }
        mac = MACAddress(interface.mac)?.description
        network = interface.network
    }

    init(mac: String?, network: String?) {
        self.mac = mac
        self.network = network
    }
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

    package init(_ readiness: SandboxManager.Readiness) {
        stage = readiness.stage.rawValue
        ip = readiness.ipAddress
        agent = readiness.agentAnswers
        cloudInit = readiness.cloudInit.map { CloudInit(datasource: $0.datasource, errors: $0.errors) }
    }
}

import SandboxCore

/// `POST /v1/sandboxes`: `{"sandbox": {...}, "ip_address": "…"}`, the address also at the top level
/// when the create waited for it.
public struct CreateSandboxResponse: Codable, Sendable, Hashable {
    public var sandbox: SandboxResource
    public var ipAddress: String?

    enum CodingKeys: String, CodingKey {
        case sandbox
        case ipAddress = "ip_address"
    }
}

/// `GET /v1/sandboxes/{id}`: `{"sandbox": {...}, "commands": [...]}`, the commands with
/// `?include_commands=true` only.
public struct GetSandboxResponse: Codable, Sendable, Hashable {
    public var sandbox: SandboxResource
    public var commands: [CommandRecord]?
}

/// `GET /v1/sandboxes`: `{"sandboxes": [...], "total": N}`; `total` counts the matches before
/// `limit` and `offset`.
public struct SandboxList: Codable, Sendable, Hashable {
    public var sandboxes: [SandboxResource]
    public var total: Int
}

/// `GET /v1/sandboxes/{id}/commands`: `{"commands": [...], "total": N}`, oldest first.
public struct CommandList: Codable, Sendable, Hashable {
    public var commands: [CommandRecord]
    public var total: Int
}

/// `GET /v1/sandboxes/{id}/ip` and `POST /v1/sandboxes/{id}/start`: `{"ip_address": "…"}`, and
/// which source found it (`lease`, `leases`, `agent` or `arp`). Start leaves both out unless asked
/// to wait.
public struct IPResponse: Codable, Sendable, Hashable {
    public var ipAddress: String?
    public var source: String?

    enum CodingKeys: String, CodingKey {
        case ipAddress = "ip_address"
        case source
    }
}

/// `DELETE /v1/sandboxes/{id}`: `{"state": "DESTROYED", "base_image", "sandbox_name", "ttl_seconds"}`.
public struct DestroySandboxResponse: Codable, Sendable, Hashable {
    public var state: String
    public var baseImage: String
    public var sandboxName: String
    public var ttlSeconds: Int?
    /// Ours: the id the sandbox had.
    public var id: String

    enum CodingKeys: String, CodingKey {
        case state, id
        case baseImage = "base_image"
        case sandboxName = "sandbox_name"
        case ttlSeconds = "ttl_seconds"
    }
}

/// `POST /v1/sandboxes/{id}/run`: `{"command": {...}}`, also for a command that exited non-zero.
public struct RunCommandResponse: Codable, Sendable, Hashable {
    public var command: CommandRecord
}

/// `GET /v1/vms`: the base VMs the tenant may clone.
public struct VMList: Codable, Sendable, Hashable {
    public var vms: [VMInfo]

    public struct VMInfo: Codable, Sendable, Hashable {
        public var name: String
        public var uuid: String
        /// libvirt's state, snake_case (`shut_off` for a base).
        public var state: String
        public var persistent: Bool
        /// The base's first disk, which sandboxes' overlays are backed by.
        public var diskPath: String?

        enum CodingKeys: String, CodingKey {
            case name, uuid, state, persistent
            case diskPath = "disk_path"
        }
    }
}

/// `GET /v1/health`.
public struct HealthResponse: Codable, Sendable, Hashable {
    /// `ok`, or `unavailable` (with status 503) when libvirt does not answer.
    public var status: String
    public var libvirtURI: String?
    public var message: String?

    enum CodingKeys: String, CodingKey {
        case status
        case libvirtURI = "libvirt_uri"
        case message
    }
}

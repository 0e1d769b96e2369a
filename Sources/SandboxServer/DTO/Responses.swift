import SandboxCore

/// `GET /v1/sandboxes`: `{"sandboxes": [...]}`.
public struct SandboxList: Codable, Sendable, Hashable {
    public var sandboxes: [SandboxResource]
}

/// `GET /v1/sandboxes/{id}/ip`: the address, or `ip: null` when no source knows one yet (without
/// `wait=true`).
public struct IPResponse: Codable, Sendable, Hashable {
    public var id: String
    public var ip: String?
    /// Which source found it: `lease`, `leases`, `agent` or `arp`.
    public var source: String?
}

/// `POST /v1/sandboxes/{id}/run`.
public struct RunCommandResponse: Codable, Sendable, Hashable {
    /// nil when a signal ended the command.
    public var exitCode: Int?
    public var signal: Int?
    public var stdout: String
    public var stderr: String

    enum CodingKeys: String, CodingKey {
        case exitCode = "exit_code"
        case signal, stdout, stderr
    }

    init(_ result: GuestAgentClient.ExecResult) {
        exitCode = result.exitCode
        signal = result.signal
        stdout = result.stdout
        stderr = result.stderr
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

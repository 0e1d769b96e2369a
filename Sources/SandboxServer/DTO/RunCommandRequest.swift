/// The body of `POST /v1/sandboxes/{id}/run`:
/// `{"command": "uname -a", "timeout_sec": 30, "env": {"LANG": "C"}, "user": "app"}`.
///
/// The command runs as `/bin/sh -c COMMAND` through the guest agent, as root, or as `user` (through
/// `runuser`, which the guest must have: util-linux, in every Debian and Ubuntu image).
/// `timeout_sec` defaults to ``defaultTimeoutSeconds`` (as does 0, as in the original) and may be
/// at most the policy's ``ServerPolicy/maxRunTimeoutSeconds`` (default ``maxTimeoutSeconds``).
/// `transport` is `agent` (the default: the QEMU guest agent, no network needed) or `ssh` (the
/// sandbox's SSH server at its address, signed in with the service's own key and accepted only
/// with the host key the sandbox's seed installed: for bases without qemu-guest-agent).
/// `private_key_path`, the original's SSH key on the server's disk, is accepted and not used: the
/// service signs in with its own key, never with a file a client names.
public struct RunCommandRequest: Codable, Sendable, Hashable {
    public var command: String
    public var timeoutSeconds: Int?
    public var environment: [String: String]?
    public var user: String?
    public var privateKeyPath: String?
    /// `agent` (default) or `ssh`.
    public var transport: String?

    /// How a command reaches the guest.
    public enum Transport: String, Sendable, CaseIterable {
        case agent, ssh
    }

    public static let defaultTimeoutSeconds = 60
    public static let maxTimeoutSeconds = 3600
    /// The most variables `env` may hold.
    public static let maxEnvironmentCount = 256

    enum CodingKeys: String, CodingKey, CaseIterable {
        case command, user, transport
        case timeoutSeconds = "timeout_sec"
        case environment = "env"
        case privateKeyPath = "private_key_path"
    }

    public init(
        command: String, timeoutSeconds: Int? = nil, environment: [String: String]? = nil, user: String? = nil,
        transport: Transport? = nil
    ) {
        self.transport = transport?.rawValue
        self.command = command
        self.timeoutSeconds = timeoutSeconds
        self.environment = environment
        self.user = user
    }

    public init(from decoder: any Decoder) throws {
        try AnyCodingKey.rejectUnknownKeys(in: decoder, known: Set(CodingKeys.allCases.map(\.rawValue)))
        let container = try decoder.container(keyedBy: CodingKeys.self)
        command = try container.decode(String.self, forKey: .command)
        timeoutSeconds = try container.decodeIfPresent(Int.self, forKey: .timeoutSeconds)
        environment = try container.decodeIfPresent([String: String].self, forKey: .environment)
        user = try container.decodeIfPresent(String.self, forKey: .user)
        privateKeyPath = try container.decodeIfPresent(String.self, forKey: .privateKeyPath)
        transport = try container.decodeIfPresent(String.self, forKey: .transport)
    }

    /// The transport; `agent` when none is given.
    func validatedTransport() throws(APIError) -> Transport {
        guard let transport else { return .agent }
        guard let known = Transport(rawValue: transport) else {
            throw .badRequest("'transport' must be 'agent' or 'ssh', not '\(transport.prefix(32))'")
        }
        return known
    }

    /// The timeout after checking the command and the bounds: below 0 is `invalid_argument`, above
    /// `max` (the policy's ``ServerPolicy/maxRunTimeoutSeconds``) `policy_violation`. The default
    /// is ``defaultTimeoutSeconds``, or `max` when that is lower.
    func validatedTimeout(max: Int = maxTimeoutSeconds) throws(APIError) -> Duration {
        if command.isEmpty { throw .badRequest("'command' is required") }
        if command.utf8.contains(0) { throw .badRequest("'command' must not contain NUL") }
        let given = timeoutSeconds ?? 0
        guard given >= 0 else { throw .badRequest("'timeout_sec' must be 0 (the default) or more, not \(given)") }
        let seconds = given == 0 ? Swift.min(Self.defaultTimeoutSeconds, max) : given
        guard seconds <= max else {
            throw .policyViolation("'timeout_sec' may be at most \(max) on this server, not \(seconds)")
        }
        return .seconds(seconds)
    }

    /// The environment after checking names (`[A-Za-z_][A-Za-z0-9_]*`, at most 255 bytes) and
    /// values (no NUL), at most ``maxEnvironmentCount`` of them.
    func validatedEnvironment() throws(APIError) -> [String: String] {
        let environment = self.environment ?? [:]
        guard environment.count <= Self.maxEnvironmentCount else {
            throw .badRequest("'env' may hold at most \(Self.maxEnvironmentCount) variables")
        }
        for (name, value) in environment {
            let bytes = Array(name.utf8)
            guard let first = bytes.first, bytes.count <= 255, Self.isNameStart(first),
                bytes.allSatisfy({ Self.isNameStart($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
            else { throw .badRequest("'env' names are letters, digits and '_', not '\(name.prefix(32))'") }
            if value.utf8.contains(0) { throw .badRequest("'env' value of \(name) must not contain NUL") }
        }
        return environment
    }

    /// The user after checking it is a POSIX user name (`[a-z_][a-z0-9_-]*`, at most 32 bytes, a
    /// trailing `$` allowed); nil for root.
    func validatedUser() throws(APIError) -> String? {
        guard let user, !user.isEmpty else { return nil }
        var bytes = Array(user.utf8)
        if bytes.last == UInt8(ascii: "$") { bytes.removeLast() }
        let lower = UInt8(ascii: "a")...UInt8(ascii: "z")
        let digit = UInt8(ascii: "0")...UInt8(ascii: "9")
        guard let first = bytes.first, user.utf8.count <= 32, lower.contains(first) || first == UInt8(ascii: "_"),
            bytes.allSatisfy({
                lower.contains($0) || digit.contains($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-")
            })
        else { throw .badRequest("'user' must be a user name ([a-z_][a-z0-9_-]*), not '\(user.prefix(32))'") }
        return user
    }

    /// `command` as the guest's `/bin/sh -c` runs it: as is for root, else through `runuser`.
    static func shellCommand(_ command: String, user: String?) -> String {
        guard let user, user != "root" else { return command }
        return "exec runuser -u \(user) -- /bin/sh -c " + shellQuoted(command)
    }

    /// `text` in single quotes for `/bin/sh`.
    static func shellQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    private static func isNameStart(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || byte == UInt8(ascii: "_")
    }
}

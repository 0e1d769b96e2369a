/// The body of `POST /v1/sandboxes/{id}/run`: `{"command": "uname -a", "timeout_sec": 30}`.
///
/// The command runs as `/bin/sh -c COMMAND` through the guest agent; `timeout_sec` defaults to
/// ``defaultTimeoutSeconds`` and may be at most the policy's ``ServerPolicy/maxRunTimeoutSeconds``
/// (default ``maxTimeoutSeconds``).
public struct RunCommandRequest: Codable, Sendable, Hashable {
    public var command: String
    public var timeoutSeconds: Int?

    public static let defaultTimeoutSeconds = 60
    public static let maxTimeoutSeconds = 3600

    enum CodingKeys: String, CodingKey, CaseIterable {
        case command
        case timeoutSeconds = "timeout_sec"
    }

    public init(command: String, timeoutSeconds: Int? = nil) {
        self.command = command
        self.timeoutSeconds = timeoutSeconds
    }

    public init(from decoder: any Decoder) throws {
        try AnyCodingKey.rejectUnknownKeys(in: decoder, known: Set(CodingKeys.allCases.map(\.rawValue)))
        let container = try decoder.container(keyedBy: CodingKeys.self)
        command = try container.decode(String.self, forKey: .command)
        timeoutSeconds = try container.decodeIfPresent(Int.self, forKey: .timeoutSeconds)
    }

    /// The timeout after checking the command and the bounds: below 1 is `invalid_argument`, above
    /// `max` (the policy's ``ServerPolicy/maxRunTimeoutSeconds``) `policy_violation`. The default
    /// is ``defaultTimeoutSeconds``, or `max` when that is lower.
    func validatedTimeout(max: Int = maxTimeoutSeconds) throws(APIError) -> Duration {
        if command.isEmpty { throw .badRequest("'command' must not be empty") }
        let seconds = timeoutSeconds ?? Swift.min(Self.defaultTimeoutSeconds, max)
        guard seconds >= 1 else { throw .badRequest("'timeout_sec' must be 1 or more, not \(seconds)") }
        guard seconds <= max else {
            throw .policyViolation("'timeout_sec' may be at most \(max) on this server, not \(seconds)")
        }
        return .seconds(seconds)
    }
}

/// The body of `POST /v1/sandboxes/{id}/run`: `{"command": "uname -a", "timeout_sec": 30}`.
///
/// The command runs as `/bin/sh -c COMMAND` through the guest agent; `timeout_sec` defaults to
/// ``defaultTimeoutSeconds`` and may be at most ``maxTimeoutSeconds``.
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

    /// The timeout after checking the command and the bounds.
    func validatedTimeout() throws(APIError) -> Duration {
        if command.isEmpty { throw .badRequest("'command' must not be empty") }
        let seconds = timeoutSeconds ?? Self.defaultTimeoutSeconds
        guard (1...Self.maxTimeoutSeconds).contains(seconds) else {
            throw .badRequest("'timeout_sec' must be 1…\(Self.maxTimeoutSeconds), not \(seconds)")
        }
        return .seconds(seconds)
    }
}

import Foundation
import SandboxCore

/// One command run in a sandbox, as `POST …/run` answers it and `GET …/commands` lists it: the
/// original system's `store.Command` fields, then ours.
///
/// `env_json` holds the names of the variables the command was given, never their values (a value
/// may be a secret; the history is kept on disk). Output is kept up to ``CommandHistory/maxStoredOutputBytes``
/// per stream in the history (`metadata.truncated` says when more was cut); the run's own answer
/// has all of it.
public struct CommandRecord: Codable, Sendable, Hashable {
    /// `CMD-` and 16 hex digits.
    public var id: String
    /// The sandbox's id (`SBX-…`).
    public var sandboxID: String
    public var command: String
    public var stdout: String
    public var stderr: String
    /// nil when a signal ended the command.
    public var exitCode: Int?
    /// RFC 3339 with fractional seconds, UTC.
    public var startedAt: String
    public var endedAt: String
    /// `{"NAME": "<redacted>", …}` for the variables given, or nil for none.
    public var envJSON: String?
    public var metadata: Metadata
    /// Ours: the signal that ended the command, if one did.
    public var signal: Int?

    public struct Metadata: Codable, Sendable, Hashable {
        /// The guest user it ran as (`root` unless the request named one).
        public var user: String
        /// Whether the history cut its stdout or stderr.
        public var truncated: Bool?

        public init(user: String, truncated: Bool? = nil) {
            self.user = user
            self.truncated = truncated
        }
    }

    public init(
        id: String, sandboxID: String, command: String, stdout: String, stderr: String, exitCode: Int?,
        startedAt: String, endedAt: String, envJSON: String?, metadata: Metadata, signal: Int?
    ) {
        self.id = id
        self.sandboxID = sandboxID
        self.command = command
        self.stdout = stdout
        self.stderr = stderr
        self.exitCode = exitCode
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.envJSON = envJSON
        self.metadata = metadata
        self.signal = signal
    }

    enum CodingKeys: String, CodingKey {
        case id, command, stdout, stderr, metadata, signal
        case sandboxID = "sandbox_id"
        case exitCode = "exit_code"
        case startedAt = "started_at"
        case endedAt = "ended_at"
        case envJSON = "env_json"
    }

    static func newID() -> String {
        var generator = SystemRandomNumberGenerator()
        return String(format: "CMD-%016llX", generator.next() as UInt64)
    }

    static func envJSON(_ environment: [String: String]) -> String? {
        guard !environment.isEmpty else { return nil }
        let redacted = environment.mapValues { _ in "<redacted>" }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? encoder.encode(redacted)).map { String(decoding: $0, as: UTF8.self) }
    }

    static func timestamp(_ date: Date) -> String {
        date.ISO8601Format(.iso8601.year().month().day().time(includingFractionalSeconds: true))
    }
}

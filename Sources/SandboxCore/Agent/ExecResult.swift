import Foundation

extension GuestAgentClient {
    /// The result of a command run in the guest: how it ended and everything it wrote.
    public struct ExecResult: Sendable, Hashable, Codable {
        /// The exit status; nil when a signal ended the process.
        public var exitCode: Int?
        /// The signal that ended the process, if one did.
        public var signal: Int?
        /// Standard output, raw.
        public var stdoutData: Data
        /// Standard error, raw.
        public var stderrData: Data

        public init(exitCode: Int?, signal: Int? = nil, stdoutData: Data = Data(), stderrData: Data = Data()) {
            self.exitCode = exitCode
            self.signal = signal
            self.stdoutData = stdoutData
            self.stderrData = stderrData
        }

        /// Standard output decoded as UTF-8 (invalid bytes become U+FFFD).
        public var stdout: String { String(decoding: stdoutData, as: UTF8.self) }
        /// Standard error decoded as UTF-8 (invalid bytes become U+FFFD).
        public var stderr: String { String(decoding: stderrData, as: UTF8.self) }
        /// Exit code 0 and no signal.
        public var succeeded: Bool { exitCode == 0 && signal == nil }
        /// The status a shell would report: the exit code, or 128 + the signal.
        public var shellStatus: Int { exitCode ?? (128 + (signal ?? 0)) }
    }

    /// One step of a streamed command (``GuestAgentClient/stream(_:_:options:)``).
    public enum ExecEvent: Sendable, Hashable {
        /// Bytes the command wrote to standard output since the previous event.
        case stdout(Data)
        /// Bytes the command wrote to standard error since the previous event.
        case stderr(Data)
        /// The command ended; the last event. The result's output fields are empty: the output
        /// came in the events before it.
        case exit(ExecResult)
    }
}

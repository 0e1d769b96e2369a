import Foundation

extension GuestAgentClient {
    /// How a command runs in the guest. A plain value with defaults; `Sendable`.
    public struct ExecOptions: Sendable, Hashable {
        /// How long the command may run. When it passes, the command is killed (see
        /// ``killProcessGroup``) and the call throws `.timeout`.
        public var timeout: Duration
        /// The most output (stdout and stderr together) the caller accepts; more is `.tooLarge`
        /// and the command is killed. ``GuestAgentClient/exec(_:_:options:)`` is further bound by
        /// what one agent reply can carry (see there); ``GuestAgentClient/stream(_:_:options:)``
        /// only by this.
        public var maxOutputBytes: Int
        /// Bytes fed to the command's standard input (which is then closed). Without it, standard
        /// input is empty. At most ``maxStdinBytes``: it travels in one agent command.
        public var stdin: Data?
        /// Variables for the command. The agent replaces the whole environment when any are given,
        /// so `PATH` is added (``defaultPath``) unless you set it.
        public var environment: [String: String]
        /// Start the command in a session and process group of its own (with `setsid`, when the
        /// guest has it), so a timeout kills everything it started, not just the first process.
        /// Needs `/bin/sh` in the guest; false runs `path` directly and kills only that process.
        public var killProcessGroup: Bool
        /// The longest pause between two status polls (polling starts at 20 ms and backs off).
        public var maxPollInterval: Duration
        /// The guest folder for ``GuestAgentClient/stream(_:_:options:)``'s output files.
        public var temporaryDirectory: String
        /// Wait for a guest agent that is not connected yet (a guest still booting) instead of
        /// failing at once with `.agentUnavailable`. The wait polls `guest-ping` every
        /// ``maxPollInterval`` and shares ``timeout`` with the command: one deadline, counted from
        /// the call, covers both, so the command gets what the wait left (`.timeout` when nothing
        /// is left). A domain without an agent channel, a domain that is not running, or a driver
        /// without agent support still fails at once. Honoured by ``SandboxManager``'s `exec`,
        /// `run` and `stream`; ``GuestAgentClient``'s own methods send at once.
        public var waitForAgent: Bool

        public init(
            timeout: Duration = .seconds(60), maxOutputBytes: Int = 16 << 20, stdin: Data? = nil,
            environment: [String: String] = [:], killProcessGroup: Bool = true,
            maxPollInterval: Duration = .milliseconds(250), temporaryDirectory: String = "/tmp",
            waitForAgent: Bool = true
        ) {
            self.timeout = timeout
            self.maxOutputBytes = maxOutputBytes
            self.stdin = stdin
            self.environment = environment
            self.killProcessGroup = killProcessGroup
            self.maxPollInterval = maxPollInterval
            self.temporaryDirectory = temporaryDirectory
            self.waitForAgent = waitForAgent
        }

        /// `PATH` for commands given an environment without one.
        public static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
        /// The largest standard input one agent command carries (libvirt caps an RPC string at
        /// 4 MiB, and base64 grows it by a third). Put larger input in a file with
        /// ``GuestAgentClient/writeFile(_:contents:mode:)``.
        public static let maxStdinBytes = 3 << 20

        /// The environment as the agent wants it (`NAME=value`, sorted), or nil for "inherit".
        var environmentList: [String]? {
            guard !environment.isEmpty else { return nil }
            var variables = environment
            if variables["PATH"] == nil { variables["PATH"] = Self.defaultPath }
            return variables.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        }

        package func validate() throws(SandboxError) {
            guard timeout > .zero else { throw .invalid("the exec timeout must be positive, not \(timeout)") }
            guard maxOutputBytes >= 0 else {
                throw .invalid("maxOutputBytes must be 0 or more, not \(maxOutputBytes)")
            }
            if let stdin, stdin.count > Self.maxStdinBytes {
                throw SandboxError(
                    .tooLarge,
                    "standard input of \(stdin.count) bytes is more than one agent command carries "
                        + "(\(Self.maxStdinBytes)); write it to a file with writeFile and redirect from it")
            }
            for name in environment.keys where name.isEmpty || name.contains("=") || name.contains("\0") {
                throw .invalid("environment variable name \(ValueChecks.quoted(name)) is not valid")
            }
        }
    }
}

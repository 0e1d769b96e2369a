/// The one error type SandboxCore throws.
///
/// `code` says what kind of failure it is and is stable: switch on it. `message` is for people.
/// `underlying` carries details from libvirt, libisofs or the operating system where there are any.
/// New codes may be added in minor releases, so keep a `default` branch when switching.
public struct SandboxError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A stable, extensible error code.
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// A caller-supplied value (name, hostname, MAC, size, path …) is not acceptable.
        public static let invalidArgument = Code(rawValue: "invalid_argument")
        /// The named base VM or sandbox does not exist.
        public static let notFound = Code(rawValue: "not_found")
        /// The name is already used by a domain or a job folder.
        public static let nameTaken = Code(rawValue: "name_taken")
        /// The base VM is running or otherwise unsuitable for cloning.
        public static let invalidBase = Code(rawValue: "invalid_base")
        /// Building the cloud-init seed (YAML or ISO) failed.
        public static let seedBuildFailed = Code(rawValue: "seed_build_failed")
        /// Creating the overlay disk failed.
        public static let storageFailed = Code(rawValue: "storage_failed")
        /// A libvirt call failed; `underlying` holds libvirt's code, domain and message.
        public static let libvirt = Code(rawValue: "libvirt")
        /// A file system operation failed; `underlying` holds errno.
        public static let io = Code(rawValue: "io")
        /// The operation was cancelled; anything it had made was removed.
        public static let cancelled = Code(rawValue: "cancelled")
        /// Waiting for something (an IP address, the guest agent) ran out of time.
        public static let timeout = Code(rawValue: "timeout")
        /// The domain XML could not be parsed.
        public static let invalidXML = Code(rawValue: "invalid_xml")
        /// The QEMU guest agent is not configured, not connected, or the domain is not running.
        public static let agentUnavailable = Code(rawValue: "agent_unavailable")
        /// The domain is not running (it was never started, stopped or crashed), so what was asked
        /// of it, such as waiting for its IP address, cannot happen.
        public static let notRunning = Code(rawValue: "not_running")
        /// A command's output or a file is larger than the limit the caller set (or than the
        /// guest agent can carry).
        public static let tooLarge = Code(rawValue: "too_large")
        /// SSH could not get a command to the guest: nothing listens, the connection failed, or the
        /// guest refused the key. Nothing was run.
        public static let sshUnavailable = Code(rawValue: "ssh_unavailable")
        /// The guest's SSH server presented a host key other than the pinned one: someone else
        /// answered at its address. Nothing was sent to it.
        public static let hostKeyMismatch = Code(rawValue: "host_key_mismatch")
    }

    /// Details from the layer below, when there are any.
    public struct Underlying: Sendable, Hashable, CustomStringConvertible {
        /// The failing call, for instance `virDomainDefineXML` or `rename`.
        public var operation: String
        /// libvirt's `virErrorNumber`, errno, or a libisofs error code.
        public var code: Int
        /// libvirt's `virErrorDomain` when the error came from libvirt.
        public var domain: Int?
        /// The lower layer's own message.
        public var message: String

        public init(operation: String, code: Int, domain: Int? = nil, message: String) {
            self.operation = operation
            self.code = code
            self.domain = domain
            self.message = message
        }

        public var description: String {
            var text = "\(operation): \(message) (code \(code)"
            if let domain { text += ", domain \(domain)" }
            return text + ")"
        }
    }

    public var code: Code
    public var message: String
    public var underlying: Underlying?
    /// Why a wait for a guest failed, stage by stage: set on `.timeout` and `.notRunning` errors
    /// thrown by ``IPWaiter``. The message already names the verdict.
    public var diagnosis: Diagnosis?

    public init(_ code: Code, _ message: String, underlying: Underlying? = nil, diagnosis: Diagnosis? = nil) {
        self.code = code
        self.message = message
        self.underlying = underlying
        self.diagnosis = diagnosis
    }

    public var description: String {
        if let underlying { return "\(code): \(message) [\(underlying)]" }
        return "\(code): \(message)"
    }

    package static func invalid(_ message: String) -> SandboxError {
        SandboxError(.invalidArgument, message)
    }
}

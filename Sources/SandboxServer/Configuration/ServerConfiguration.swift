import Foundation
import SandboxCore

/// How the sandbox HTTP service runs: where it listens, which libvirt it talks to, where job
/// folders go, and how often expired sandboxes are reaped.
///
/// A plain value with defaults; safe to share. ``init(environment:)`` reads the variables the
/// `sandbox-server` executable documents; the library itself never reads the process environment.
public struct ServerConfiguration: Sendable, Hashable {
    /// The libvirt URI (`LIBVIRT_URI`).
    public var libvirtURI: String
    /// The address to listen on (`SANDBOX_LISTEN`, `HOST:PORT`).
    public var host: String
    public var port: Int
    /// One job folder per sandbox (`SANDBOX_JOBS_DIR`); an absolute path.
    public var jobsRoot: String
    /// The server's own files, such as the command history (`SANDBOX_STATE_DIR`); absolute.
    public var stateDirectory: String = Self.defaultStateDirectory
    /// The libvirt network every sandbox joins (`SANDBOX_NETWORK`); nil keeps the base VM's.
    public var network: String?
    /// Written into each sandbox's metadata; the service lists and reaps only its own
    /// (`SANDBOX_OWNER`).
    public var owner: String
    /// The base timeout for IP waits, scaled for emulation (`IP_DISCOVERY_TIMEOUT`).
    public var discoveryTimeout: DiscoveryTimeout
    /// How often the janitor looks for sandboxes past their TTL (`SANDBOX_JANITOR_INTERVAL`).
    public var janitorInterval: Duration
    /// What a request may ask for (`SANDBOX_BASES`, `SANDBOX_MAX_…` …; see ``ServerPolicy``).
    public var policy: ServerPolicy
    /// The NIC filter, port isolation and resource limits of every sandbox (`SANDBOX_NETWORK_FILTER`,
    /// `SANDBOX_ISOLATE`, `SANDBOX_CPU_…` …; see ``IsolationSettings``).
    public var isolation: IsolationSettings
    /// The API keys file (`SANDBOX_API_KEYS_FILE`, see ``APIKeys``); nil: no keys, and then the
    /// server may listen on loopback only (``validateExposure(keys:)``).
    public var apiKeysFile: String?
    /// Give every sandbox SSH access for `transport: "ssh"` (`SANDBOX_SSH`, default true): the
    /// server's key (`STATE_DIRECTORY/ssh/id_ed25519`) in root's `authorized_keys` and a host key
    /// of its own, pinned. Off: seeds carry no keys and SSH runs answer `ssh_unavailable`.
    public var sshAccess = true

    public static let defaultLibvirtURI = "qemu:///system"
    public static let defaultListen = "127.0.0.1:8080"
    public static let defaultJobsRoot = "/var/lib/sandboxcore/jobs"
    public static let defaultStateDirectory = "/var/lib/sandboxcore/state"
    public static let defaultOwner = "sandboxcore"
    public static let defaultJanitorInterval: Duration = .seconds(5)

    public init(
        libvirtURI: String = defaultLibvirtURI, host: String = "127.0.0.1", port: Int = 8080,
        jobsRoot: String = defaultJobsRoot, network: String? = nil, owner: String = defaultOwner,
        discoveryTimeout: DiscoveryTimeout = DiscoveryTimeout(), janitorInterval: Duration = defaultJanitorInterval,
        policy: ServerPolicy = ServerPolicy(), isolation: IsolationSettings = IsolationSettings()
    ) {
        self.policy = policy
        self.isolation = isolation
        self.libvirtURI = libvirtURI
        self.host = host
        self.port = port
        self.jobsRoot = jobsRoot
        self.network = network
        self.owner = owner
        self.discoveryTimeout = discoveryTimeout
        self.janitorInterval = janitorInterval
    }

    /// The environment variables ``init(environment:)`` reads.
    public enum Variable {
        public static let ssh = "SANDBOX_SSH"
        public static let libvirtURI = "LIBVIRT_URI"
        public static let listen = "SANDBOX_LISTEN"
        public static let jobsDirectory = "SANDBOX_JOBS_DIR"
        public static let stateDirectory = "SANDBOX_STATE_DIR"
        public static let network = "SANDBOX_NETWORK"
        public static let owner = "SANDBOX_OWNER"
        public static let janitorInterval = "SANDBOX_JANITOR_INTERVAL"
        public static let apiKeysFile = "SANDBOX_API_KEYS_FILE"
        public static let discoveryTimeout = DiscoveryTimeout.environmentVariable
    }

    /// The configuration `environment` describes; unset variables keep their defaults. A set but
    /// invalid value (a malformed duration or listen address, a relative jobs folder, an empty
    /// URI, a policy limit out of range …) is `.invalidArgument` naming the variable — meant to stop the executable at startup.
    public init(environment: [String: String]) throws(SandboxError) {
        self.init()
        let reader = EnvironmentReader(environment: environment)
        if let uri = try reader.value(Variable.libvirtURI) { libvirtURI = uri }
        if let listen = try reader.value(Variable.listen) {
            (host, port) = try Self.parseListen(listen, variable: Variable.listen)
        }
        if let jobs = try reader.value(Variable.jobsDirectory) {
            guard jobs.hasPrefix("/") else {
                throw SandboxError(.invalidArgument, "\(Variable.jobsDirectory) must be an absolute path, not \(jobs)")
            }
            jobsRoot = URL(fileURLWithPath: jobs).standardizedFileURL.path
        }
        if let state = try reader.value(Variable.stateDirectory) {
            guard state.hasPrefix("/") else {
                throw SandboxError(
                    .invalidArgument, "\(Variable.stateDirectory) must be an absolute path, not \(state)")
            }
            stateDirectory = URL(fileURLWithPath: state).standardizedFileURL.path
        }
        network = try reader.value(Variable.network)
        if let ssh = try reader.flag(Variable.ssh) { sshAccess = ssh }
        if let owner = try reader.value(Variable.owner) { self.owner = owner }
        discoveryTimeout = try DiscoveryTimeout.fromEnvironment(environment)
        if let interval = try reader.value(Variable.janitorInterval) {
            let parsed: Duration
            do {
                parsed = try GoDuration.parse(interval)
            } catch {
                throw SandboxError(.invalidArgument, "\(Variable.janitorInterval): \(error.message)")
            }
            guard parsed > .zero else {
                throw SandboxError(.invalidArgument, "\(Variable.janitorInterval) must be longer than 0")
            }
            janitorInterval = parsed
        }
        policy = try ServerPolicy(environment: environment)
        isolation = try IsolationSettings(environment: environment)
        if let keys = try reader.value(Variable.apiKeysFile) {
            guard keys.hasPrefix("/") else {
                throw SandboxError(.invalidArgument, "\(Variable.apiKeysFile) must be an absolute path, not \(keys)")
            }
            apiKeysFile = keys
        }
    }

    /// Whether ``host`` is a loopback address (`127.0.0.0/8`, `::1`, `localhost`).
    public var listensOnLoopbackOnly: Bool {
        if host.lowercased() == "localhost" { return true }
        guard let address = IPAddress(host) else { return false }
        return address.family == .ipv4 ? address.bytes[0] == 127 : address == IPAddress("::1")
    }

    /// Refuses a server without API keys that would listen beyond loopback: there every process on
    /// the network, and every sandbox guest through its bridge, could act as admin.
    public func validateExposure(keys: APIKeys?) throws(SandboxError) {
        guard keys == nil, !listensOnLoopbackOnly else { return }
        throw SandboxError(
            .invalidArgument,
            "\(Variable.listen)=\(host):\(port) is not loopback, and without \(Variable.apiKeysFile) anyone who reaches it acts as admin; set \(Variable.apiKeysFile) or listen on 127.0.0.1"
        )
    }

    /// `HOST:PORT`, `[IPv6]:PORT` or `:PORT` (all interfaces).
    static func parseListen(_ text: String, variable: String) throws(SandboxError) -> (String, Int) {
        let invalid = SandboxError(.invalidArgument, "\(variable) must be HOST:PORT (e.g. 127.0.0.1:8080), not \(text)")
        guard let colon = text.lastIndex(of: ":") else { throw invalid }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.isEmpty { host = "0.0.0.0" }
        guard let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port),
            !host.contains(where: \.isWhitespace)
        else { throw invalid }
        return (host, port)
    }

    /// The manager configuration this service configuration implies, with `filter` on every NIC
    /// (as ``IsolationSettings/resolveFilter(exists:)`` decided it at startup).
    public func managerConfiguration(filter: NetworkFilterPolicy) -> SandboxManager.Configuration {
        isolation.applied(
            to: SandboxManager.Configuration(jobsRoot: jobsRoot, owner: owner, discoveryTimeout: discoveryTimeout),
            filter: filter)
    }
}

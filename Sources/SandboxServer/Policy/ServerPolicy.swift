import Foundation
import SandboxCore

/// What a client of the HTTP service may ask for: the bounds a create, a wait and a command must
/// stay within, and how many sandboxes and creates there may be. Every limit has a safe default;
/// the service hands root in a VM to untrusted agents.
///
/// A plain value; safe to share. ``init(environment:)`` reads the variables the `sandbox-server`
/// executable documents (all optional). A request outside the policy is a 4xx JSON error with a
/// code (`policy_violation`, `quota_exceeded`, `too_many_requests`, `too_large`) and nothing is made.
public struct ServerPolicy: Sendable, Hashable {
    /// The base VMs a sandbox may be cloned from (`SANDBOX_BASES`). nil: any shut-off domain that
    /// is not itself a sandbox (a domain carrying SandboxCore's metadata, of any owner, never is).
    public var allowedBases: Set<String>?
    /// The libvirt networks a NIC may name (`SANDBOX_NETWORKS`, else `SANDBOX_NETWORK` when that is
    /// set). Empty: no NIC may name a network; sandboxes join the service's or the base's network.
    public var allowedNetworks: Set<String>
    /// The most memory a sandbox may have, in MiB (`SANDBOX_MAX_MEMORY_MB`); also bounds a base's
    /// memory when a request inherits it.
    public var maxMemoryMiB: Int
    /// The most vCPUs a sandbox may have (`SANDBOX_MAX_VCPUS`); also bounds a base's.
    public var maxVCPUs: Int
    /// The TTL of a sandbox whose request names none, in seconds (`SANDBOX_DEFAULT_TTL`).
    public var defaultTTLSeconds: Int
    /// The longest TTL a request may name, in seconds (`SANDBOX_MAX_TTL`).
    public var maxTTLSeconds: Int
    /// The most sandboxes of this service's owner at once, creates in flight included
    /// (`SANDBOX_MAX_SANDBOXES`).
    public var maxSandboxes: Int
    /// The most sandboxes one tenant may have at once (`SANDBOX_MAX_SANDBOXES_PER_TENANT`).
    public var maxSandboxesPerTenant: Int
    /// The most creates in flight at once (`SANDBOX_MAX_CONCURRENT_CREATES`); more answer 429 with
    /// `Retry-After`.
    public var maxConcurrentCreates: Int
    /// The largest request body, in bytes (`SANDBOX_MAX_BODY_BYTES`); larger is 413.
    public var maxRequestBodyBytes: Int
    /// The longest wait for an address: `GET …/ip?wait=true&timeout=` and `wait_for_ip` on create
    /// (`SANDBOX_MAX_IP_WAIT`). A longer `timeout` is refused; the default (scaled) wait is capped.
    public var maxIPWait: Duration
    /// The longest `timeout_sec` of `POST …/run`, in seconds (`SANDBOX_MAX_RUN_TIMEOUT`).
    public var maxRunTimeoutSeconds: Int
    /// How long an HTTP/1 connection may sit idle between requests before it is closed
    /// (`SANDBOX_IDLE_TIMEOUT`).
    public var idleTimeout: Duration
    /// Whether a NIC may have fixed addresses (`ipv4`/`ipv6` `ADDRESS/PREFIX`)
    /// (`SANDBOX_ALLOW_FIXED_ADDRESSES`). Even then never the network's own address, its network
    /// or broadcast address, nor an address someone else holds (SandboxCore checks these).
    public var allowFixedAddresses: Bool
    /// Whether a NIC may reserve an address in the network's DHCP server (`reserve_ipv4`)
    /// (`SANDBOX_ALLOW_DHCP_RESERVATIONS`); the same addresses are refused as for fixed ones.
    public var allowDHCPReservations: Bool
    /// Whether a NIC may choose its MAC (`mac`) (`SANDBOX_ALLOW_CUSTOM_MACS`).
    public var allowCustomMACs: Bool

    public static let defaultMaxMemoryMiB = 8192
    public static let defaultMaxVCPUs = 8
    public static let defaultDefaultTTLSeconds = 3600
    public static let defaultMaxTTLSeconds = 86_400
    public static let defaultMaxSandboxes = 50
    public static let defaultMaxSandboxesPerTenant = 10
    public static let defaultMaxConcurrentCreates = 4
    public static let defaultMaxRequestBodyBytes = 1 << 20
    public static let defaultMaxIPWait: Duration = .seconds(15 * 60)
    public static let defaultMaxRunTimeoutSeconds = 3600
    public static let defaultIdleTimeout: Duration = .seconds(60)
    /// The `Retry-After` of a 429, in seconds.
    public static let retryAfterSeconds = 2

    public init(
        allowedBases: Set<String>? = nil, allowedNetworks: Set<String> = [],
        maxMemoryMiB: Int = defaultMaxMemoryMiB, maxVCPUs: Int = defaultMaxVCPUs,
        defaultTTLSeconds: Int = defaultDefaultTTLSeconds, maxTTLSeconds: Int = defaultMaxTTLSeconds,
        maxSandboxes: Int = defaultMaxSandboxes, maxSandboxesPerTenant: Int = defaultMaxSandboxesPerTenant,
        maxConcurrentCreates: Int = defaultMaxConcurrentCreates,
        maxRequestBodyBytes: Int = defaultMaxRequestBodyBytes, maxIPWait: Duration = defaultMaxIPWait,
        maxRunTimeoutSeconds: Int = defaultMaxRunTimeoutSeconds, idleTimeout: Duration = defaultIdleTimeout,
        allowFixedAddresses: Bool = false, allowDHCPReservations: Bool = false, allowCustomMACs: Bool = false
    ) {
        self.allowedBases = allowedBases
        self.allowedNetworks = allowedNetworks
        self.maxMemoryMiB = maxMemoryMiB
        self.maxVCPUs = maxVCPUs
        self.defaultTTLSeconds = defaultTTLSeconds
        self.maxTTLSeconds = maxTTLSeconds
        self.maxSandboxes = maxSandboxes
        self.maxSandboxesPerTenant = maxSandboxesPerTenant
        self.maxConcurrentCreates = maxConcurrentCreates
        self.maxRequestBodyBytes = maxRequestBodyBytes
        self.maxIPWait = maxIPWait
        self.maxRunTimeoutSeconds = maxRunTimeoutSeconds
        self.idleTimeout = idleTimeout
        self.allowFixedAddresses = allowFixedAddresses
        self.allowDHCPReservations = allowDHCPReservations
        self.allowCustomMACs = allowCustomMACs
    }

    /// The environment variables ``init(environment:)`` reads.
    public enum Variable {
        public static let bases = "SANDBOX_BASES"
        public static let networks = "SANDBOX_NETWORKS"
        public static let maxMemory = "SANDBOX_MAX_MEMORY_MB"
        public static let maxVCPUs = "SANDBOX_MAX_VCPUS"
        public static let defaultTTL = "SANDBOX_DEFAULT_TTL"
        public static let maxTTL = "SANDBOX_MAX_TTL"
        public static let maxSandboxes = "SANDBOX_MAX_SANDBOXES"
        public static let maxSandboxesPerTenant = "SANDBOX_MAX_SANDBOXES_PER_TENANT"
        public static let maxConcurrentCreates = "SANDBOX_MAX_CONCURRENT_CREATES"
        public static let maxBodyBytes = "SANDBOX_MAX_BODY_BYTES"
        public static let maxIPWait = "SANDBOX_MAX_IP_WAIT"
        public static let maxRunTimeout = "SANDBOX_MAX_RUN_TIMEOUT"
        public static let idleTimeout = "SANDBOX_IDLE_TIMEOUT"
        public static let allowFixedAddresses = "SANDBOX_ALLOW_FIXED_ADDRESSES"
        public static let allowDHCPReservations = "SANDBOX_ALLOW_DHCP_RESERVATIONS"
        public static let allowCustomMACs = "SANDBOX_ALLOW_CUSTOM_MACS"
        /// Read for the default of ``ServerPolicy/allowedNetworks``.
        public static let network = ServerConfiguration.Variable.network
    }

    /// Bounds on the configurable values, so that no arithmetic on them can overflow.
    enum Bound {
        static let memoryMiB: ClosedRange<Int64> = 1...Int64(DomainSpec.maxMemoryMiB)
        static let vcpus: ClosedRange<Int64> = 1...Int64(DomainSpec.maxVCPUs)
        static let count: ClosedRange<Int64> = 1...1_000_000
        static let concurrentCreates: ClosedRange<Int64> = 1...10_000
        /// 1 KiB … 64 MiB.
        static let bodyBytes: ClosedRange<Int64> = 1024...(64 << 20)
        static let ttl: ClosedRange<Duration> = .seconds(1)...(.seconds(SandboxMetadata.maxTTLSeconds))
        static let ipWait: ClosedRange<Duration> = .seconds(1)...(.seconds(24 * 3600))
        static let runTimeout: ClosedRange<Duration> = .seconds(1)...(.seconds(24 * 3600))
        static let idleTimeout: ClosedRange<Duration> = .seconds(1)...(.seconds(24 * 3600))
    }

    /// The policy `environment` describes; unset variables keep their defaults. A set but invalid
    /// value (not a number, out of range, a malformed duration or list, a default TTL above the
    /// maximum, a `SANDBOX_NETWORK` outside `SANDBOX_NETWORKS` …) is `.invalidArgument` naming the
    /// variable — meant to stop the executable at startup.
    public init(environment: [String: String]) throws(SandboxError) {
        self.init()
        let reader = EnvironmentReader(environment: environment)
        allowedBases = try reader.names(Variable.bases, what: "domain")
        if let networks = try reader.names(Variable.networks, what: "libvirt network") {
            allowedNetworks = networks
            if let network = try reader.value(Variable.network), !networks.contains(network) {
                throw SandboxError(
                    .invalidArgument, "\(Variable.network)=\(network) must be one of \(Variable.networks)")
            }
        } else if let network = try reader.value(Variable.network) {
            allowedNetworks = [network]
        }
        if let memory = try reader.integer(Variable.maxMemory, in: Bound.memoryMiB) { maxMemoryMiB = memory }
        if let vcpus = try reader.integer(Variable.maxVCPUs, in: Bound.vcpus) { maxVCPUs = vcpus }
        if let ttl = try reader.seconds(Variable.maxTTL, in: Bound.ttl) { maxTTLSeconds = ttl }
        if let ttl = try reader.seconds(Variable.defaultTTL, in: Bound.ttl) {
            defaultTTLSeconds = ttl
        } else {
            defaultTTLSeconds = min(defaultTTLSeconds, maxTTLSeconds)
        }
        guard defaultTTLSeconds <= maxTTLSeconds else {
            throw SandboxError(
                .invalidArgument,
                "\(Variable.defaultTTL) (\(defaultTTLSeconds) s) must not be longer than \(Variable.maxTTL) (\(maxTTLSeconds) s)"
            )
        }
        if let count = try reader.integer(Variable.maxSandboxes, in: Bound.count) { maxSandboxes = count }
        if let count = try reader.integer(Variable.maxSandboxesPerTenant, in: Bound.count) {
            maxSandboxesPerTenant = count
        }
        if let count = try reader.integer(Variable.maxConcurrentCreates, in: Bound.concurrentCreates) {
            maxConcurrentCreates = count
        }
        if let bytes = try reader.integer(Variable.maxBodyBytes, in: Bound.bodyBytes) { maxRequestBodyBytes = bytes }
        if let wait = try reader.duration(Variable.maxIPWait, in: Bound.ipWait) { maxIPWait = wait }
        if let run = try reader.seconds(Variable.maxRunTimeout, in: Bound.runTimeout) { maxRunTimeoutSeconds = run }
        if let idle = try reader.duration(Variable.idleTimeout, in: Bound.idleTimeout) { idleTimeout = idle }
        if let allowed = try reader.flag(Variable.allowFixedAddresses) { allowFixedAddresses = allowed }
        if let allowed = try reader.flag(Variable.allowDHCPReservations) { allowDHCPReservations = allowed }
        if let allowed = try reader.flag(Variable.allowCustomMACs) { allowCustomMACs = allowed }
    }
}

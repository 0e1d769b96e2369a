import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// Creates, lists and destroys sandboxes: linked clones of a base VM, each with its own overlay,
/// its own cloud-init seed and its own MAC, owned through the domain's `<metadata>`.
///
/// A create is transactional: when any step fails, or the task is cancelled, everything it made
/// (job folder, overlay, seed, domain) is removed and the original error is thrown.
/// An actor: safe to share between tasks; concurrent creates run interleaved.
public actor SandboxManager {
    public struct Configuration: Sendable, Hashable {
        /// The folder holding one job folder per sandbox (`<jobsRoot>/<name>/`).
        public var jobsRoot: String
        /// Written into each sandbox's metadata; ``SandboxManager/list()`` shows only this owner's.
        public var owner: String
        /// The network a sandbox's NIC joins when neither the request nor the base names one.
        public var defaultNetwork: DomainSpec.NIC.Source
        /// Seconds since the epoch stamped on seed ISOs.
        public var seedTimestamp: Int64
        /// The most time ``SandboxManager/destroy(_:)`` gives a running sandbox, in all, to let go
        /// cleanly before it pulls the plug: with a guest agent the guest releases its DHCP leases
        /// through it; without one it is asked to power off (ifupdown guests release on the way
        /// down). A guest whose agent is frozen costs destroy this long, never more. Zero skips both.
        public var gracefulShutdownTimeout: Duration
        /// How long to wait for an address, before scaling for emulation (default 2 minutes).
        public var discoveryTimeout: DiscoveryTimeout
        /// Where addresses are looked up, in order.
        public var discoverySources: [DiscoverySource]
        /// The network filter put on each sandbox's NIC (default: `clean-traffic` when the
        /// connection has it).
        public var networkFilter: NetworkFilterPolicy
        /// The mode of each job folder; nil (the default) decides from the user QEMU runs as, read
        /// from the host's capabilities: `0700` when QEMU runs as root, else `0710` with QEMU's
        /// group, and the overlay, seed ISO and UEFI variables owned by QEMU's user (see
        /// ``QEMUProcessIdentity``). Nobody else may enter a job folder either way.
        public var jobFolderPermissions: UInt16?
        /// Whether each sandbox NIC gets `<port isolated='yes'/>` (default true): sandboxes on one
        /// network or bridge reach the host and beyond but not each other. Off for sandboxes that
        /// must talk to each other, or for a network whose ports are not plain Linux bridge taps
        /// (macvtap, hostdev, Open vSwitch `<virtualport>`), where libvirt refuses to start the
        /// domain with it.
        public var isolateSandboxes: Bool
        /// CPU, disk I/O and network limits put on every sandbox (default: none).
        public var resourceLimits: ResourceLimits

        public init(
            jobsRoot: String, owner: String = "sandboxcore",
            defaultNetwork: DomainSpec.NIC.Source = .network("default"),
            seedTimestamp: Int64 = CloudInitSeedBuilder.defaultTimestamp,
            gracefulShutdownTimeout: Duration = .seconds(10),
            discoveryTimeout: DiscoveryTimeout = DiscoveryTimeout(),
            discoverySources: [DiscoverySource] = DiscoverySource.defaultOrder,
            networkFilter: NetworkFilterPolicy = .cleanTrafficIfAvailable, jobFolderPermissions: UInt16? = nil,
            isolateSandboxes: Bool = true, resourceLimits: ResourceLimits = ResourceLimits()
        ) {
            self.isolateSandboxes = isolateSandboxes
            self.resourceLimits = resourceLimits
            self.networkFilter = networkFilter
            self.jobFolderPermissions = jobFolderPermissions
            self.discoveryTimeout = discoveryTimeout
            self.discoverySources = discoverySources
            self.gracefulShutdownTimeout = gracefulShutdownTimeout
            self.jobsRoot = jobsRoot
            self.owner = owner
            self.defaultNetwork = defaultNetwork
            self.seedTimestamp = seedTimestamp
        }
    }

    /// File names inside a job folder.
    public enum JobFile {
        public static let overlay = "disk.qcow2"
        public static let seed = "cloud-init.iso"
        public static let console = "console.log"
        /// The UEFI variable store of a sandbox whose base boots through UEFI.
        public static let nvram = "nvram.fd"
    }

    public let domains: any DomainManager
    public let configuration: Configuration
    let logger: Logger
    /// What the manager reports through swift-metrics.
    public nonisolated let metrics: SandboxMetrics
    /// Shared by every wait for an address: one lease poll per network, not per sandbox.
    public nonisolated let leaseWatcher: LeaseWatcher
    /// Sandboxes whose finished cloud-init has been counted in ``metrics``.
    var cloudInitCounted: Set<String> = []
    /// The user QEMU runs as, by domain type, once asked (see ``qemuIdentity(virtType:)``).
    var qemuIdentities: [String: QEMUProcessIdentity?] = [:]
    /// What address waits need, for the sandboxes this manager made and has not destroyed: no
    /// lookup of a sandbox's address reads its XML again (see ``discoveryTarget(of:askingBase:)``).
    var knownTargets: [String: DiscoveryTarget] = [:]
    /// Names of creates in flight in this manager.
    var pendingNames: Set<String> = []
    var pendingMACs: Set<MACAddress> = []
    /// MAC addresses of the connection's domains, by domain UUID.
    var macsByDomain: [String: Set<MACAddress>] = [:]
    /// Writes the seed ISO and its plain files; replaceable by tests to inject failures.
    var seedWriter: @Sendable (CloudInitSeed, String, String) throws(SandboxError) -> Void
    /// Called after each stage of a create (see ``setCreateStageObserver(_:)``).
    var stageObserver: (@Sendable (CreateStage, SandboxName) async -> Void)?

    public init(
        domains: any DomainManager, configuration: Configuration,
        logger: Logger = Logger(label: "SandboxCore.sandbox", factory: { _ in SwiftLogNoOpLogHandler() }),
        metrics: SandboxMetrics = SandboxMetrics()
    ) {
        self.domains = domains
        self.configuration = configuration
        self.logger = logger
        self.metrics = metrics
        self.leaseWatcher = LeaseWatcher(domains: domains, logger: logger)
        let timestamp = configuration.seedTimestamp
        self.seedWriter = { (seed, isoPath, folder) throws(SandboxError) in
            try CloudInitSeedBuilder(timestamp: timestamp).write(seed, isoPath: isoPath, plainFilesDirectory: folder)
        }
    }

    /// Replaces the seed writer (tests inject failures with it).
    func setSeedWriter(_ writer: @escaping @Sendable (CloudInitSeed, String, String) throws(SandboxError) -> Void) {
        seedWriter = writer
    }
}

/// Everything a wait for one NIC's address needs, known before it starts: the domain and the
/// NIC, the NIC's libvirt network, the files a diagnosis reads, and what the timeout scales by.
///
/// A create makes it as it starts the sandbox, from what it has just made, without asking
/// libvirt again; ``SandboxManager`` reads it from an existing sandbox with one XML fetch. With
/// a target, a wait reads no domain XML: its polls ask the sources alone.
public struct DiscoveryTarget: Sendable, Hashable {
    public var domain: String
    public var mac: MACAddress
    /// The NIC's libvirt network; nil when the NIC is not on one (a bridge): then there are no
    /// network leases to ask.
    public var network: String?
    /// The sandbox's job folder (for the diagnosis's look at its disk), the seed ISO the domain
    /// should have attached, and its serial log.
    public var jobDirectory: String?
    public var seedPath: String?
    public var consoleLogPath: String?
    /// The domain type (`kvm`, `qemu`) and guest architecture, which scale the timeout.
    public var virtType: String?
    public var arch: String?
    /// The base VM's expected boot time (``BaseVMHints``), which raises the timeout.
    public var expectedBootSeconds: Int?

    public init(
        domain: String, mac: MACAddress, network: String?, jobDirectory: String? = nil, seedPath: String? = nil,
        consoleLogPath: String? = nil,
        virtType: String? = nil, arch: String? = nil, expectedBootSeconds: Int? = nil
    ) {
        self.domain = domain
        self.mac = mac
        self.network = network
        self.jobDirectory = jobDirectory
        self.seedPath = seedPath
        self.consoleLogPath = consoleLogPath
        self.virtType = virtType
        self.arch = arch
        self.expectedBootSeconds = expectedBootSeconds
    }

    /// The timeout `timeout` gives this target (scaled for emulation, raised to the expected boot).
    public func effectiveTimeout(_ timeout: DiscoveryTimeout) -> EffectiveTimeout {
        timeout.effective(virtType: virtType, guestArch: arch, expectedBootSeconds: expectedBootSeconds)
    }
}

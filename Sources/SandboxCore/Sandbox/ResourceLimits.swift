/// Host resources each sandbox of a ``SandboxManager`` may use, rendered into its domain XML
/// (see ``SandboxManager/Configuration/resourceLimits``). Every value is optional; unset ones leave
/// libvirt's defaults (no limit). A value type: thread-safe.
///
/// The disk's growth is not limited here: the overlay grows as the guest writes. A service caps it
/// by calling ``SandboxManager/enforceDiskCap(maxBytes:)`` now and then.
public struct ResourceLimits: Sendable, Hashable, Codable {
    /// CPU weight and quota of the domain (`<cputune>`).
    public var cpu: DomainSpec.CPUTune?
    /// Block I/O limits of the overlay disk (`<iotune>`).
    public var diskIO: DomainSpec.DiskIOTune?
    /// Traffic shaping of every NIC (`<bandwidth>`).
    public var networkBandwidth: DomainSpec.Bandwidth?

    public init(
        cpu: DomainSpec.CPUTune? = nil, diskIO: DomainSpec.DiskIOTune? = nil,
        networkBandwidth: DomainSpec.Bandwidth? = nil
    ) {
        self.cpu = cpu
        self.diskIO = diskIO
        self.networkBandwidth = networkBandwidth
    }

    /// Whether nothing is limited.
    public var isEmpty: Bool {
        (cpu?.isEmpty ?? true) && (diskIO?.isEmpty ?? true) && (networkBandwidth?.isEmpty ?? true)
    }

    /// Throws `.invalidArgument` naming the first value libvirt would refuse.
    public func validate() throws(SandboxError) {
        try cpu?.validate()
        try diskIO?.validate()
        try networkBandwidth?.validate()
    }
}

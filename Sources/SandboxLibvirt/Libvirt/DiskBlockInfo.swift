import SandboxValues

/// The sizes of one of a domain's disks, as libvirt reports them (`virDomainGetBlockInfo`).
/// A value type: thread-safe.
public struct DiskBlockInfo: Sendable, Hashable, Codable {
    /// The size the guest sees, in bytes.
    public var capacity: UInt64
    /// The host storage the image occupies, in bytes (for a qcow2 file, roughly what `du` says;
    /// for a running QEMU domain on a block device, its highest written offset).
    public var allocation: UInt64
    /// The size of the image's container on the host, in bytes (for a file, what `ls` says).
    public var physical: UInt64

    public init(capacity: UInt64, allocation: UInt64, physical: UInt64) {
        self.capacity = capacity
        self.allocation = allocation
        self.physical = physical
    }
}

/// A sandbox whose overlay disk outgrew the cap given to ``SandboxManager/enforceDiskCap(maxBytes:)``.
public struct DiskCapViolation: Sendable, Hashable, Codable {
    /// The sandbox.
    public var name: String
    /// The disk that was measured (the overlay's path, or `vda`).
    public var disk: String
    /// What libvirt reported for it.
    public var blockInfo: DiskBlockInfo
    /// The cap it exceeded, in bytes.
    public var maxBytes: UInt64
    /// Whether the sandbox was stopped (destroyed, its definition and job folder kept).
    public var stopped: Bool
    /// Why stopping failed, when it did.
    public var error: String?

    public init(
        name: String, disk: String, blockInfo: DiskBlockInfo, maxBytes: UInt64, stopped: Bool, error: String? = nil
    ) {
        self.name = name
        self.disk = disk
        self.blockInfo = blockInfo
        self.maxBytes = maxBytes
        self.stopped = stopped
        self.error = error
    }
}

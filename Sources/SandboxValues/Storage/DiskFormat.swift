/// The on-disk format of a VM disk image.
public enum DiskFormat: String, Sendable, Hashable, Codable {
    /// QEMU copy-on-write v2, version 2 (`compat=0.10`) or 3 (`compat=1.1`).
    case qcow2
    /// A plain byte-for-byte image.
    case raw
}

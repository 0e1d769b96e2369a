#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes qcow2 linked-clone overlays in-process, without running `qemu-img create`.
///
/// An overlay is a qcow2 version 3 image with no data clusters of its own: every read falls
/// through to its backing file (the base VM's disk) until the guest writes. The backing format
/// is recorded explicitly, so QEMU never probes the base. Stateless; thread-safe.
///
/// The layout is the one `qemu-img create` uses, with 64 KiB clusters and 16-bit refcounts:
///
/// | cluster | contents |
/// |---------|----------|
/// | 0 | header (104 bytes), backing format extension, end of extensions, backing file name |
/// | 1 | refcount table: one entry, pointing to cluster 2 |
/// | 2 | refcount block: refcount 1 for clusters 0 … 2 + L1 clusters |
/// | 3 … | L1 table, all zero (nothing allocated yet) |
public enum Qcow2Overlay {
    /// Creates an overlay at `path` whose backing file is `backing`.
    ///
    /// The backing image's header is read again first: its format must still be
    /// `backing.format`, and its current virtual size is the one that counts.
    ///
    /// - Parameters:
    ///   - path: Absolute path of the new overlay. Created with `O_CREAT | O_EXCL`: an existing
    ///     file (or symlink) there makes this fail and is left untouched.
    ///   - backing: The base image. Its path must be absolute and at most 1023 bytes; it is
    ///     stored verbatim in the overlay.
    ///   - virtualSize: The overlay's size in bytes; at least the backing's and a multiple of 512.
    ///     `nil` means the backing's size, rounded up to a multiple of 512.
    ///   - permissions: The file's mode, applied exactly (the umask does not narrow it). At most
    ///     `0o777`.
    ///   - durable: When `true`, the file and its directory are `fsync`ed before returning, so the
    ///     overlay survives a power loss. Off by default: an overlay belongs to a disposable
    ///     sandbox, and the sync costs milliseconds where the rest costs microseconds.
    /// - Throws: `.invalidArgument` for a bad path, size or mode; errors of
    ///   ``DiskImage/inspect(path:)`` for the backing (`.notFound` when it is missing);
    ///   `.storageFailed` when the target exists or the backing's format changed; `.io` (with
    ///   errno) when a file system call fails. On any failure after the file was created, it is
    ///   removed again.
    public static func create(
        at path: String,
        backing: DiskImageInfo,
        virtualSize: UInt64? = nil,
        permissions: UInt16 = 0o600,
        durable: Bool = false
    ) throws(SandboxError) {
        try DiskImage.checkPath(path, what: "overlay path", absolute: true)
        try DiskImage.checkPath(backing.path, what: "backing file path", absolute: true)
        guard backing.path.utf8.count <= maximumBackingPathLength else {
            throw .invalid(
                "backing file path \(ValueChecks.quoted(backing.path)) is longer than \(maximumBackingPathLength) bytes"
            )
        }
        guard permissions & ~0o777 == 0 else {
            throw .invalid("overlay permissions 0o\(String(permissions, radix: 8)) must be within 0o777")
        }

        let current = try DiskImage.inspect(path: backing.path)
        guard current.format == backing.format else {
            throw SandboxError(
                .storageFailed,
                "backing file \(ValueChecks.quoted(backing.path)) is \(current.format.rawValue), not \(backing.format.rawValue)"
            )
        }
        let size: UInt64
        if let virtualSize {
            guard virtualSize % 512 == 0 else {
                throw .invalid("overlay size \(virtualSize) must be a multiple of 512 bytes")
            }
            guard virtualSize >= current.virtualSize else {
                throw .invalid(
                    "overlay size \(virtualSize) is smaller than its backing file's \(current.virtualSize) bytes")
            }
            size = virtualSize
        } else {
            size = (current.virtualSize + 511) & ~511
        }
        guard size <= maximumVirtualSize else {
            throw .invalid("overlay size \(size) exceeds the qcow2 limit of \(maximumVirtualSize) bytes")
        }

        let layout = Layout(backingPath: backing.path, backingFormat: backing.format, virtualSize: size)
        try write(layout, to: path, permissions: permissions, durable: durable)
    }

    static let clusterBits: UInt32 = 16
    static let clusterSize: UInt64 = 1 << 16
    /// Refcounts are `1 << refcountOrder` = 16 bits wide.
    static let refcountOrder: UInt32 = 4
    static let headerLength: UInt32 = 104
    static let backingFormatExtension: UInt32 = 0xE279_2ACA
    /// The qcow2 specification's limit.
    static let maximumBackingPathLength = 1023
    /// QEMU reads L1 tables of at most 32 MiB: 4 Mi entries of 512 MiB each, 2 PiB.
    static let maximumVirtualSize: UInt64 = (32 << 20) / 8 * bytesPerL1Entry
    /// One L1 entry points to an L2 table of `clusterSize / 8` entries, each mapping a cluster.
    static let bytesPerL1Entry: UInt64 = clusterSize * (clusterSize / 8)

    /// The bytes of an overlay, as a file size and the non-zero extents; everything else is zero
    /// and left as holes. Pure: the same input gives the same bytes.
    struct Layout: Equatable {
        struct Extent: Equatable {
            var offset: UInt64
            var bytes: [UInt8]
        }

        var fileSize: UInt64
        var extents: [Extent]
        /// Entries in the L1 table.
        var l1Size: UInt32
        /// Clusters in use, all with refcount 1.
        var clusterCount: UInt64

        init(backingPath: String, backingFormat: DiskFormat, virtualSize: UInt64) {
            precondition(virtualSize <= maximumVirtualSize)
            let l1Size = (virtualSize + bytesPerL1Entry - 1) / bytesPerL1Entry
            let l1Clusters = (l1Size * 8 + clusterSize - 1) / clusterSize
            let refcountTableOffset = 1 * clusterSize
            let refcountBlockOffset = 2 * clusterSize
            let l1TableOffset = 3 * clusterSize
            let clusterCount = 3 + l1Clusters
            // One refcount block covers clusterSize / 2 clusters (32768): far more than 3 + 512.
            precondition(clusterCount <= clusterSize / 2)

            let format = Array(backingFormat.rawValue.utf8)
            let name = Array(backingPath.utf8)
            let formatExtensionLength = 8 + (format.count + 7) / 8 * 8
            let backingFileOffset = UInt64(headerLength) + UInt64(formatExtensionLength) + 8

            var header = BigEndianBytes()
            header.append(contentsOf: [0x51, 0x46, 0x49, 0xFB])  // magic "QFI\xfb"
            header.append(UInt32(3))  // version
            header.append(backingFileOffset)  // backing_file_offset
            header.append(UInt32(name.count))  // backing_file_size
            header.append(clusterBits)  // cluster_bits
            header.append(virtualSize)  // size
            header.append(UInt32(0))  // crypt_method: none
            header.append(UInt32(l1Size))  // l1_size
            header.append(l1TableOffset)  // l1_table_offset
            header.append(refcountTableOffset)  // refcount_table_offset
            header.append(UInt32(1))  // refcount_table_clusters
            header.append(UInt32(0))  // nb_snapshots
            header.append(UInt64(0))  // snapshots_offset
            header.append(UInt64(0))  // incompatible_features
            header.append(UInt64(0))  // compatible_features
            header.append(UInt64(0))  // autoclear_features
            header.append(refcountOrder)  // refcount_order
            header.append(headerLength)  // header_length
            assert(header.bytes.count == Int(headerLength))
            header.append(backingFormatExtension)  // extension: backing file format name
            header.append(UInt32(format.count))
            header.append(contentsOf: format)
            header.padToMultiple(of: 8)
            header.append(UInt32(0))  // extension: end of the header extension area
            header.append(UInt32(0))
            assert(header.bytes.count == Int(backingFileOffset))
            header.append(contentsOf: name)  // backing file name, not NUL-terminated
            assert(UInt64(header.bytes.count) <= clusterSize)

            var refcountTable = BigEndianBytes()
            refcountTable.append(refcountBlockOffset)

            var refcountBlock = BigEndianBytes()
            for _ in 0..<clusterCount { refcountBlock.append(UInt16(1)) }

            self.fileSize = clusterCount * clusterSize
            self.extents = [
                Extent(offset: 0, bytes: header.bytes),
                Extent(offset: refcountTableOffset, bytes: refcountTable.bytes),
                Extent(offset: refcountBlockOffset, bytes: refcountBlock.bytes),
            ]
            self.l1Size = UInt32(l1Size)
            self.clusterCount = clusterCount
        }

        /// The whole file as one array: for tests.
        var flattened: [UInt8] {
            var file = [UInt8](repeating: 0, count: Int(fileSize))
            for extent in extents {
                file.replaceSubrange(Int(extent.offset)..<Int(extent.offset) + extent.bytes.count, with: extent.bytes)
            }
            return file
        }
    }

    /// Creates the file exclusively, sizes it (the zero clusters stay holes), writes the extents.
    /// Removes the file again when anything after its creation fails.
    private static func write(
        _ layout: Layout, to path: String, permissions: UInt16, durable: Bool
    ) throws(SandboxError) {
        typealias IO = DiskImage.IO
        let quotedPath = ValueChecks.quoted(path)
        let fd = try IO.retrying {
            open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode_t(permissions))
        } onError: { code in
            if code == EEXIST {
                return SandboxError(
                    .storageFailed, "overlay \(quotedPath) already exists", underlying: IO.underlying("open", code))
            }
            return SandboxError(.io, "cannot create overlay \(quotedPath)", underlying: IO.underlying("open", code))
        }
        func failure(_ operation: String, _ code: Int32) -> SandboxError {
            SandboxError(.io, "cannot write overlay \(quotedPath)", underlying: IO.underlying(operation, code))
        }

        do throws(SandboxError) {
            _ = try IO.retrying {
                fchmod(fd, mode_t(permissions))
            } onError: {
                failure("fchmod", $0)
            }
            _ = try IO.retrying {
                ftruncate(fd, off_t(layout.fileSize))
            } onError: {
                failure("ftruncate", $0)
            }
            for extent in layout.extents {
                var written = 0
                while written < extent.bytes.count {
                    let count = try extent.bytes.withUnsafeBytes { buffer in
                        Result { () throws(SandboxError) in
                            try IO.retrying {
                                pwrite(
                                    fd, buffer.baseAddress! + written, buffer.count - written,
                                    off_t(extent.offset) + off_t(written))
                            } onError: {
                                failure("pwrite", $0)
                            }
                        }
                    }.get()
                    guard count > 0 else { throw failure("pwrite", EIO) }  // no progress: never spin
                    written += count
                }
            }
            if durable {
                _ = try IO.retrying {
                    fsync(fd)
                } onError: {
                    failure("fsync", $0)
                }
                try syncDirectory(of: path)
            }
        } catch {
            removeCreatedFile(fd: fd, path: path)
            _ = close(fd)
            throw error
        }
        // close can report a deferred write error (NFS, quota); an overlay it failed is removed.
        if close(fd) != 0 {
            let code = errno
            if code != EINTR {
                _ = unlink(path)
                throw failure("close", code)
            }
        }
    }

    /// Unlinks `path` only if it is still the file `fd` refers to.
    private static func removeCreatedFile(fd: Int32, path: String) {
        var opened = stat()
        var named = stat()
        guard fstat(fd, &opened) == 0, lstat(path, &named) == 0,
            opened.st_dev == named.st_dev, opened.st_ino == named.st_ino
        else { return }
        _ = unlink(path)
    }

    /// Makes the new directory entry durable.
    private static func syncDirectory(of path: String) throws(SandboxError) {
        typealias IO = DiskImage.IO
        let slash = path.utf8.lastIndex(of: UInt8(ascii: "/"))!
        let directory = slash == path.utf8.startIndex ? "/" : String(path[..<slash])
        func failure(_ operation: String, _ code: Int32) -> SandboxError {
            SandboxError(
                .io, "cannot sync directory \(ValueChecks.quoted(directory))",
                underlying: IO.underlying(operation, code))
        }
        let fd = try IO.retrying {
            open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        } onError: {
            failure("open", $0)
        }
        defer { _ = close(fd) }
        _ = try IO.retrying {
            fsync(fd)
        } onError: {
            failure("fsync", $0)
        }
    }
}

/// A byte buffer that appends integers big-endian, as qcow2 stores them.
private struct BigEndianBytes {
    var bytes: [UInt8] = []

    mutating func append<T: FixedWidthInteger & UnsignedInteger>(_ value: T) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func append(contentsOf other: [UInt8]) {
        bytes.append(contentsOf: other)
    }

    mutating func padToMultiple(of alignment: Int) {
        bytes.append(contentsOf: repeatElement(0, count: (alignment - bytes.count % alignment) % alignment))
    }
}

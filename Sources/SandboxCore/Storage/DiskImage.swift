#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// What ``DiskImage/inspect(path:)`` found out about an image: a plain value, owning nothing.
public struct DiskImageInfo: Sendable, Hashable, Codable {
    /// The path the image was read from, as given.
    public var path: String
    /// The image's format.
    public var format: DiskFormat
    /// The size of the disk the guest sees, in bytes.
    public var virtualSize: UInt64

    public init(path: String, format: DiskFormat, virtualSize: UInt64) {
        self.path = path
        self.format = format
        self.virtualSize = virtualSize
    }
}

/// Reads disk image headers. Stateless; every function is thread-safe.
public enum DiskImage {
    /// Reads the image's header and tells its format and virtual size.
    ///
    /// - qcow2 (magic `QFI\xfb`, version 2 or 3): the virtual size comes from the header.
    /// - raw: anything without a known header; the virtual size is the file's (or block
    ///   device's) size.
    ///
    /// Images in another known format (VMDK, VDI, VHD, VHDX, QED, LUKS, qcow v1, …), encrypted
    /// or corrupt-marked qcow2 images and malformed qcow2 headers are rejected with
    /// `.storageFailed`: they are never taken for raw. Like any format probe, this trusts the
    /// first bytes of the file: a raw image whose guest wrote a qcow2 header into sector 0
    /// reads as qcow2.
    ///
    /// - Throws: `.invalidArgument` for an empty path or one containing NUL, `.notFound` when
    ///   the file does not exist, `.io` (with errno) when it cannot be opened or read or is a
    ///   directory, `.storageFailed` as above.
    public static func inspect(path: String) throws(SandboxError) -> DiskImageInfo {
        try checkPath(path, what: "disk image path", absolute: false)
        let fd = try IO.retrying {
            open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        } onError: { code in
            if code == ENOENT {
                return SandboxError(
                    .notFound, "disk image \(ValueChecks.quoted(path)) does not exist",
                    underlying: IO.underlying("open", code))
            }
            return SandboxError(
                .io, "cannot open disk image \(ValueChecks.quoted(path))", underlying: IO.underlying("open", code))
        }
        defer { _ = close(fd) }

        var status = stat()
        _ = try IO.retrying {
            fstat(fd, &status)
        } onError: { code in
            SandboxError(
                .io, "cannot stat disk image \(ValueChecks.quoted(path))", underlying: IO.underlying("fstat", code))
        }
        let fileSize: UInt64
        switch status.st_mode & S_IFMT {
        case S_IFREG:
            fileSize = UInt64(status.st_size)
        case S_IFBLK:
            let end = try IO.retrying {
                lseek(fd, 0, SEEK_END)
            } onError: { code in
                SandboxError(
                    .io, "cannot size block device \(ValueChecks.quoted(path))",
                    underlying: IO.underlying("lseek", code))
            }
            fileSize = UInt64(end)
        case S_IFDIR:
            throw SandboxError(
                .io, "disk image \(ValueChecks.quoted(path)) is a directory", underlying: IO.underlying("read", EISDIR))
        default:
            throw SandboxError(
                .storageFailed, "disk image \(ValueChecks.quoted(path)) is not a regular file or block device")
        }

        var header = [UInt8](repeating: 0, count: headerProbeLength)
        var filled = 0
        while filled < header.count {
            let count = try header.withUnsafeMutableBytes { buffer in
                Result { () throws(SandboxError) in
                    try IO.retrying {
                        pread(fd, buffer.baseAddress! + filled, buffer.count - filled, off_t(filled))
                    } onError: { code in
                        SandboxError(
                            .io, "cannot read disk image \(ValueChecks.quoted(path))",
                            underlying: IO.underlying("pread", code))
                    }
                }
            }.get()
            if count == 0 { break }
            filled += count
        }
        header.removeSubrange(filled...)

        let (format, size) = try classify(header: header, fileSize: fileSize, path: path)
        return DiskImageInfo(path: path, format: format, virtualSize: size)
    }

    /// How many leading bytes ``inspect(path:)`` reads.
    static let headerProbeLength = 512

    /// Headers of formats that are neither qcow2 nor raw, so must not be taken for raw.
    private static let foreignSignatures: [(offset: Int, bytes: [UInt8], name: String)] = [
        (0, Array("KDMV".utf8), "VMDK"),
        (0, Array("COWD".utf8), "VMDK (ESX COW)"),
        (0, Array("# Disk DescriptorFile".utf8), "VMDK descriptor"),
        (0x40, [0x7F, 0x10, 0xDA, 0xBE], "VDI"),
        (0, Array("<<< Oracle VM VirtualBox Disk Image >>>".utf8), "VDI"),
        (0, Array("vhdxfile".utf8), "VHDX"),
        (0, Array("conectix".utf8), "VHD"),
        (0, Array("QED".utf8) + [0], "QED"),
        (0, Array("LUKS".utf8) + [0xBA, 0xBE], "LUKS"),
        (0, Array("Bochs Virtual HD Image".utf8), "Bochs"),
        (0, Array("WithoutFreeSpace".utf8), "Parallels"),
        (0, Array("WithouFreSpacExt".utf8), "Parallels"),
    ]

    private static let qcowMagic: [UInt8] = [0x51, 0x46, 0x49, 0xFB]  // "QFI\xfb"

    /// Decides the format from the first bytes of an image. Pure.
    static func classify(header: [UInt8], fileSize: UInt64, path: String) throws(SandboxError)
        -> (DiskFormat, UInt64)
    {
        if header.starts(with: qcowMagic) {
            return (.qcow2, try qcow2VirtualSize(header: header, path: path))
        }
        for signature in foreignSignatures {
            let end = signature.offset + signature.bytes.count
            if header.count >= end, header[signature.offset..<end].elementsEqual(signature.bytes) {
                throw SandboxError(
                    .storageFailed,
                    "disk image \(ValueChecks.quoted(path)) is in \(signature.name) format; only qcow2 and raw are supported"
                )
            }
        }
        return (.raw, fileSize)
    }

    private static func qcow2VirtualSize(header: [UInt8], path: String) throws(SandboxError) -> UInt64 {
        func fail(_ reason: String) -> SandboxError {
            SandboxError(.storageFailed, "qcow2 image \(ValueChecks.quoted(path)) \(reason)")
        }
        guard header.count >= 72 else { throw fail("has a truncated header") }
        let version = header.bigEndianUInt32(at: 4)
        guard version != 1 else { throw fail("is QCOW version 1, which is not supported") }
        guard version == 2 || version == 3 else { throw fail("has unsupported version \(version)") }
        let clusterBits = header.bigEndianUInt32(at: 20)
        guard (9...21).contains(clusterBits) else { throw fail("has invalid cluster_bits \(clusterBits)") }
        let cryptMethod = header.bigEndianUInt32(at: 32)
        guard cryptMethod == 0 else {
            let kind = cryptMethod == 1 ? "AES" : cryptMethod == 2 ? "LUKS" : "method \(cryptMethod)"
            throw fail("is encrypted (\(kind)); encrypted images are not supported")
        }
        if version == 3 {
            guard header.count >= 104 else { throw fail("has a truncated header") }
            let headerLength = header.bigEndianUInt32(at: 100)
            guard headerLength >= 104, headerLength % 8 == 0 else {
                throw fail("has invalid header_length \(headerLength)")
            }
            let incompatible = header.bigEndianUInt64(at: 72)
            guard incompatible & 0b10 == 0 else { throw fail("is marked corrupt; repair it with qemu-img check -r") }
        }
        return header.bigEndianUInt64(at: 24)
    }

    /// Rejects paths the C calls would silently truncate and, where it matters, relative ones.
    static func checkPath(_ path: String, what: String, absolute: Bool) throws(SandboxError) {
        guard !path.isEmpty else { throw .invalid("\(what) must not be empty") }
        guard !path.utf8.contains(where: { $0 == 0 || $0 == 0x0A || $0 == 0x0D }) else {
            throw .invalid("\(what) \(ValueChecks.quoted(path)) must not contain NUL or line breaks")
        }
        guard !absolute || path.utf8.first == UInt8(ascii: "/") else {
            throw .invalid("\(what) \(ValueChecks.quoted(path)) must be absolute")
        }
    }

    /// A path for an error message: quoted, control characters escaped.
    /// The storage code's syscall funnel: retries on EINTR, turns -1/errno into a thrown error.
    enum IO {
        static func retrying<Result: BinaryInteger>(
            _ call: () -> Result, onError: (Int32) -> SandboxError
        ) throws(SandboxError) -> Result {
            while true {
                let result = call()
                if result >= 0 { return result }
                let code = errno
                if code == EINTR { continue }
                throw onError(code)
            }
        }

        static func underlying(_ operation: String, _ code: Int32) -> SandboxError.Underlying {
            SandboxError.Underlying(operation: operation, code: Int(code), message: String(cString: strerror(code)))
        }
    }
}

extension [UInt8] {
    fileprivate func bigEndianUInt32(at offset: Int) -> UInt32 {
        self[offset..<offset + 4].reduce(0) { $0 << 8 | UInt32($1) }
    }

    fileprivate func bigEndianUInt64(at offset: Int) -> UInt64 {
        self[offset..<offset + 8].reduce(0) { $0 << 8 | UInt64($1) }
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes whole files atomically: a temporary file in the same folder, then `rename(2)`.
/// A reader sees the old file or the new one, never a part; on failure nothing is left behind.
package enum AtomicFile {
    package static func write(_ bytes: [UInt8], to path: String, permissions: mode_t = 0o600, sync: Bool = false)
        throws(SandboxError)
    {
        try ValueChecks.absolutePath(path, what: "output path")
        let temporary = temporaryPath(for: path)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, permissions)
        guard fd >= 0 else { throw errnoError("open", path: temporary) }
        var succeeded = false
        defer {
            if !succeeded { unlink(temporary) }
        }
        do {
            defer { close(fd) }
            // The umask may have narrowed the mode; callers asked for exactly this one.
            guard fchmod(fd, permissions) == 0 else { throw errnoError("fchmod", path: temporary) }
            var offset = 0
            while offset < bytes.count {
                let written = bytes.withUnsafeBytes { buffer in
                    Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                }
                if written < 0 {
                    if errno == EINTR { continue }
                    throw errnoError("write", path: temporary)
                }
                offset += written
            }
            if sync, fsync(fd) != 0 { throw errnoError("fsync", path: temporary) }
        }
        guard rename(temporary, path) == 0 else { throw errnoError("rename", path: path) }
        succeeded = true
    }

    package static func temporaryPath(for path: String) -> String {
        let slash = path.lastIndex(of: "/")!
        let folder = path[...slash]
        let name = path[path.index(after: slash)...]
        return folder + "." + name + ".tmp-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
    }

    package static func errnoError(_ operation: String, path: String, code: SandboxError.Code = .io) -> SandboxError {
        let number = errno
        let message = String(cString: strerror(number))
        return SandboxError(
            code, "\(operation) failed for \(path): \(message)",
            underlying: .init(operation: operation, code: Int(number), message: message))
    }
}

import Foundation
import FoundationXML

#if canImport(Glibc)
    import Glibc
#endif

extension SandboxManager {
    /// A piece of a sandbox's serial console log: the bytes after an offset (the last ones when
    /// there are more than asked for), and where the file ends. A plain value; `Sendable`.
    public struct ConsoleLog: Sendable, Hashable {
        /// The log file, as its domain XML names it (symbolic links resolved).
        public var path: String
        /// The bytes read.
        public var data: Data
        /// Where `data` starts in the file.
        public var offset: UInt64
        /// The file's size when it was read: pass it as `after` to read only what comes next.
        public var size: UInt64
        /// Whether bytes between the requested offset and ``offset`` were left out.
        public var truncated: Bool
        /// The text, with invalid UTF-8 replaced.
        public var text: String { String(decoding: data, as: UTF8.self) }
    }

    /// The serial console log of a sandbox: the file its live domain XML names
    /// (`<serial type='file'><source path=…/>`, or the `<log file=…/>` of a serial port or
    /// console, which is what sandboxes get), read from `after` (0: the start) up to its end,
    /// keeping the last `maxBytes`. A file that is shorter than `after` (the domain restarted and
    /// the log was rewritten) is read from the start. A log that does not exist yet is empty.
    ///
    /// The path must lie inside the manager's jobs root, after resolving `..` and symbolic
    /// links: the domain XML is not trusted to name a file elsewhere (`.invalidArgument`, nothing
    /// read). `.notFound` when there is no such domain or its XML names no console log; `.io`
    /// when the file cannot be read. Nonisolated and safe to call concurrently.
    nonisolated public func consoleLog(of name: SandboxName, maxBytes: Int = 1 << 20, after: UInt64 = 0)
        async throws(SandboxError) -> ConsoleLog
    {
        guard maxBytes > 0 else { throw .invalid("maxBytes must be positive, not \(maxBytes)") }
        guard try await domains.domain(named: name.value) != nil else {
            throw SandboxError(.notFound, "sandbox \(name) does not exist")
        }
        let xml = try await domains.domainXML(named: name.value, inactive: false, secure: false)
        guard let named = Self.consoleLogPaths(inDomainXML: xml).first else {
            throw SandboxError(.notFound, "sandbox \(name) has no serial console log in its domain XML")
        }
        let path = try Self.insideJobsRoot(named, root: configuration.jobsRoot, sandbox: name)
        return try Self.readTail(of: path, maxBytes: maxBytes, after: after)
    }

    /// The console log files a domain's XML names, in document order: file-backed serial ports
    /// and consoles first, then `<log file=…/>` of serial ports and consoles.
    static func consoleLogPaths(inDomainXML xml: String) -> [String] {
        DomainDescription(xml: xml)?.consolePaths ?? []
    }

    /// `path` with `..` and symbolic links resolved, when that lies strictly inside `root`
    /// (itself resolved); `.invalidArgument` otherwise.
    static func insideJobsRoot(_ path: String, root: String, sandbox: SandboxName) throws(SandboxError) -> String {
        func resolved(_ path: String) -> String {
            URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
        }
        let resolvedRoot = resolved(root)
        let resolvedPath = resolved(path)
        guard path.hasPrefix("/"),
            resolvedPath.hasPrefix(resolvedRoot.hasSuffix("/") ? resolvedRoot : resolvedRoot + "/")
        else {
            throw SandboxError(
                .invalidArgument,
                "the console log \(ValueChecks.quoted(path)) of sandbox \(sandbox) lies outside the jobs root "
                    + "\(root); it is not read")
        }
        return resolvedPath
    }

    /// Reads `path` from `after` to its end, keeping the last `maxBytes`; never follows a
    /// symbolic link in its last component.
    static func readTail(of path: String, maxBytes: Int, after: UInt64) throws(SandboxError) -> ConsoleLog {
        let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else {
            let code = errno
            if code == ENOENT { return ConsoleLog(path: path, data: Data(), offset: 0, size: 0, truncated: false) }
            throw SandboxError(
                .io, "cannot open the console log \(path): \(String(cString: strerror(code)))",
                underlying: .init(operation: "open", code: Int(code), message: String(cString: strerror(code))))
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw SandboxError(.io, "the console log \(path) is not a regular file")
        }
        let size = UInt64(info.st_size)
        let from = after > size ? 0 : after
        let start = max(from, size > UInt64(maxBytes) ? size - UInt64(maxBytes) : 0)
        var data = Data(count: Int(size - start))
        var done = 0
        while done < data.count {
            let count = data.withUnsafeMutableBytes { buffer in
                pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(start) + off_t(done))
            }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else {
                throw SandboxError(.io, "cannot read the console log \(path): \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            done += count
        }
        data.removeSubrange(done...)
        return ConsoleLog(path: path, data: data, offset: start, size: start + UInt64(done), truncated: start > from)
    }
}

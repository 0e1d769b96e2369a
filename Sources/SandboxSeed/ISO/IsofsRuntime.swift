internal import CIsofs
import Glibc
import SandboxValues
import Synchronization

/// Process-wide libisofs state: the one-time initialisation and the lock every libisofs call runs under.
///
/// Thread-safe. libisofs is initialised lazily on first use and never finalised (`iso_finish()`
/// would pull the library out from under any other user in the process).
///
/// Why one lock for everything: libisofs keeps unsynchronised process-wide state that separate images
/// share. `iso_image_new` takes, and the last `iso_image_unref` drops, a reference to a singleton
/// local-filesystem object with a plain `refcount++`/`--`; concurrent builds corrupt it and crash.
/// `iso_memory_stream_new` numbers streams with a plain `counter++`; two streams of one image with
/// the same number and size would be stored as one file. Rather than fence each known global and
/// hope there is no other, whole builds are serialised; a seed takes about a tenth of a millisecond.
enum IsofsRuntime {
    /// `nil` once libisofs is ready; otherwise the error the first (and only) attempt hit.
    private static let initialization: SandboxError? = initialize()

    private static let lock = Mutex(())

    /// Runs `body` with libisofs initialised and no other libisofs call in flight in this process.
    /// Every libisofs object `body` creates must be released before it returns.
    static func withExclusiveAccess<R: Sendable>(_ body: () throws(SandboxError) -> R) throws(SandboxError) -> R {
        if let initialization { throw initialization }
        return try lock.withLock { _ throws(SandboxError) -> R in try body() }
    }

    /// Copies `bytes` into a `malloc`'d buffer and wraps it in a memory stream that owns the buffer.
    /// The caller owns the returned stream reference (`iso_stream_unref`, or hand it to a node).
    /// Call only inside `withExclusiveAccess`.
    static func makeMemoryStream(_ bytes: [UInt8]) throws(SandboxError) -> UnsafeMutablePointer<IsoStream> {
        // malloc(0) may return NULL, which iso_memory_stream_new rejects.
        guard let buffer = malloc(max(bytes.count, 1)) else {
            throw SandboxError(
                .seedBuildFailed, "out of memory for a \(bytes.count)-byte ISO file",
                underlying: .init(operation: "malloc", code: Int(ENOMEM), message: "out of memory"))
        }
        bytes.withUnsafeBytes { source in
            if let base = source.baseAddress { memcpy(buffer, base, source.count) }
        }
        var stream: UnsafeMutablePointer<IsoStream>?
        let code = iso_memory_stream_new(buffer.assumingMemoryBound(to: UInt8.self), bytes.count, &stream)
        guard code >= 0, let stream else {
            free(buffer)  // Not taken over on failure.
            throw failure("iso_memory_stream_new", code)
        }
        return stream
    }

    /// Throws `.seedBuildFailed` naming `operation` when a libisofs call returned a negative code.
    static func check(_ code: Int32, _ operation: String) throws(SandboxError) {
        if code < 0 { throw failure(operation, code) }
    }

    /// A `.seedBuildFailed` error carrying libisofs' code and its text for it.
    static func failure(_ operation: String, _ code: Int32) -> SandboxError {
        let text = iso_error_to_msg(code).map { String(cString: $0) } ?? "unknown libisofs error"
        return SandboxError(
            .seedBuildFailed, "libisofs: \(operation) failed: \(text)",
            underlying: .init(operation: operation, code: Int(code), message: text))
    }

    private static func initialize() -> SandboxError? {
        // bit0: leave the process locale alone.
        let code = iso_init_with_flag(1)
        if code < 0 { return failure("iso_init_with_flag", code) }
        // Messages would go to stderr (or pile up in a process-wide queue); errors come back as codes.
        let silenced = withMutableCString("NEVER") { never in
            withMutableCString("libisofs") { id in iso_set_msgs_severities(never, never, id) }
        }
        if silenced <= 0 { return failure("iso_set_msgs_severities", silenced) }
        // Names arrive as Swift strings, i.e. UTF-8, whatever the locale says.
        let charset = withMutableCString("UTF-8") { iso_set_local_charset($0, 0) }
        if charset <= 0 { return failure("iso_set_local_charset", charset) }
        return nil
    }

    /// Calls `body` with a NUL-terminated copy of `text`, for C APIs that take `char *` but do not write.
    static func withMutableCString<R>(_ text: String, _ body: (UnsafeMutablePointer<CChar>) -> R) -> R {
        var bytes = Array(text.utf8CString)
        return bytes.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
    }
}

import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Who is creating a sandbox: written into the job folder right after `mkdir` (before the
/// overlay, the seed or the domain exist) and removed when the create returns. A job folder that
/// still holds one whose process is gone is what a killed create left behind, for
/// ``SandboxManager/reconcile()`` to remove.
struct CreationRecord: Sendable, Hashable, Codable {
    /// The file's name inside the job folder.
    static let fileName = ".sandboxcore-creating"

    var owner: String
    var host: String
    var pid: Int32
    /// The process's start time in clock ticks since boot (`/proc/PID/stat` field 22), so a
    /// recycled PID is not mistaken for the creator.
    var processStart: UInt64?

    static func current(owner: String) -> CreationRecord {
        let pid = getpid()
        return CreationRecord(owner: owner, host: hostName(), pid: pid, processStart: startTime(of: pid))
    }

    static func path(in jobDirectory: String) -> String { jobDirectory + "/" + fileName }

    func write(in jobDirectory: String) throws(SandboxError) {
        let bytes: [UInt8]
        do {
            bytes = Array(try JSONEncoder().encode(self))
        } catch {
            throw SandboxError(.io, "cannot encode the creation record: \(error)")
        }
        try AtomicFile.write(bytes, to: Self.path(in: jobDirectory))
    }

    /// The record in `jobDirectory`, or nil when there is none (or it is unreadable, such as a
    /// half-written one: the job folder is then judged by its age).
    static func read(in jobDirectory: String) -> CreationRecord? {
        guard let data = FileManager.default.contents(atPath: path(in: jobDirectory)) else { return nil }
        return try? JSONDecoder().decode(CreationRecord.self, from: data)
    }

    static func remove(in jobDirectory: String) {
        _ = unlink(path(in: jobDirectory))
    }

    /// Whether the creating process still runs. A record from another host counts as alive: this
    /// host cannot tell.
    var creatorIsAlive: Bool {
        guard host == Self.hostName() else { return true }
        guard kill(pid, 0) == 0 || errno == EPERM else { return false }
        guard let processStart, let now = Self.startTime(of: pid) else { return true }
        return processStart == now
    }

    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "" }
        return String(cString: buffer)
    }

    /// Field 22 of `/proc/PID/stat`; nil where there is no procfs.
    static func startTime(of pid: Int32) -> UInt64? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        // The command name (field 2) may hold spaces and parentheses; count from the last ')'.
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state), so field 22 is fields[19].
        guard fields.count > 19 else { return nil }
        return UInt64(fields[19])
    }
}

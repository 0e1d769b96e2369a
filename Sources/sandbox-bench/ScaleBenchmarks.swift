import Foundation
import SandboxCore

/// Many sandboxes defined (not started) from one base, then destroyed: total and per sandbox,
/// and the process's memory while they exist.
struct ScaleBenchmarks {
    struct Result {
        var count: Int
        var uri: String
        var define: Duration
        var destroy: Duration
        /// Resident memory before the creates, with every sandbox defined, and its peak (KiB).
        var rssBefore: Int
        var rssDefined: Int
        var rssPeak: Int
    }

    let manager: SandboxManager
    let baseVM: String
    let uri: String

    func run(count: Int) async throws -> Result {
        let clock = ContinuousClock()
        let rssBefore = Self.memory("VmRSS")
        var names: [SandboxName] = []
        names.reserveCapacity(count)
        let start = clock.now
        for _ in 0..<count {
            names.append(try await manager.create(SandboxRequest(baseVM: baseVM, autoStart: false)).name)
        }
        let defined = clock.now
        let rssDefined = Self.memory("VmRSS")
        for name in names { try await manager.destroy(name) }
        let destroyed = clock.now
        return Result(
            count: count, uri: uri, define: defined - start, destroy: destroyed - defined, rssBefore: rssBefore,
            rssDefined: rssDefined, rssPeak: Self.memory("VmHWM"))
    }

    /// A `/proc/self/status` field in KiB (0 when unknown).
    static func memory(_ field: String) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
            return Int(line.dropFirst(field.count + 1).split(whereSeparator: \.isWhitespace).first ?? "") ?? 0
        }
        return 0
    }
}

extension ScaleBenchmarks.Result {
    func printed() {
        func perSandbox(_ total: Duration) -> String { format(total / count) }
        print(
            """

            \(count) sandboxes from one base on \(uri) (overlay + seed + define each, no start), then destroyed:
            | step | total | per sandbox |
            |---|---:|---:|
            | create (defined, not started) | \(format(define)) | \(perSandbox(define)) |
            | destroy (undefine + job folder) | \(format(destroy)) | \(perSandbox(destroy)) |
            Process memory: RSS \(rssBefore / 1024) MiB before, \(rssDefined / 1024) MiB with all \(count) defined, \
            peak \(rssPeak / 1024) MiB.
            """)
    }
}

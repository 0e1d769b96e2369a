import Foundation
import Synchronization
import Testing

@testable import SandboxCore
@testable import SandboxLibvirt

/// Connection threads never end (an ending thread's OpenSSL destructors raced `exit()`): a pool
/// thread whose work is done runs the next piece of work, and a new thread is made only when none
/// is free.
@Suite struct ExecutorThreadPoolTests {
    /// Runs `body` on `pool` and waits until it has returned; gives the thread it ran on.
    private func runAndWait(_ pool: ExecutorThreadPool, _ body: @escaping @Sendable () -> Void = {}) async -> UInt {
        await withCheckedContinuation { continuation in
            pool.run {
                body()
                continuation.resume(returning: UInt(pthread_self()))
            }
        }
    }

    @Test func aFinishedThreadRunsTheNextWorkInsteadOfEnding() async throws {
        let pool = ExecutorThreadPool()
        let first = await runAndWait(pool)
        // The body has returned, but the thread may not be parked yet: wait until it is.
        var second = await runAndWait(pool)
        for _ in 0..<100 where pool.threadCount > 1 {
            second = await runAndWait(pool)
        }
        #expect(pool.threadCount <= 2)
        let third = await runAndWait(pool)
        #expect(Set([first, second, third]).count <= 2)
        #expect(pool.threadCount <= 2)
    }

    @Test func busyThreadsMakeNewOnes() async throws {
        let pool = ExecutorThreadPool()
        let release = DispatchSemaphore(value: 0)
        let started = DispatchSemaphore(value: 0)
        let threads = Mutex<Set<UInt>>([])
        for _ in 0..<3 {
            pool.run {
                threads.withLock { _ = $0.insert(UInt(pthread_self())) }
                started.signal()
                release.wait()
            }
        }
        for _ in 0..<3 { await Task.detached { started.wait() }.value }
        #expect(threads.withLock { $0.count } == 3)
        #expect(pool.threadCount == 3)
        for _ in 0..<3 { release.signal() }
    }

    @Test func aReleasedConnectionsThreadLivesOn() async throws {
        var connection: LibvirtConnection? = try await LibvirtConnection(uri: "test:///default")
        let tid = try #require(await connection?.debugExecutionContext().kernelThreadID)
        await connection?.close()
        connection = nil
        // Parked, not ended: its task is still listed, whatever other tests do meanwhile.
        try await Task.sleep(for: .milliseconds(200))
        #expect(FileManager.default.fileExists(atPath: "/proc/self/task/\(tid)"))
    }
}

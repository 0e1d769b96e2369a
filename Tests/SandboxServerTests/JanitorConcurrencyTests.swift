import Foundation
import SandboxCore
import SandboxCoreTesting
import Testing

@testable import SandboxServer

/// A sweep destroys expired sandboxes several at once, never more than its limit: the destroys
/// of the test's domains wait at a barrier that opens only once the limit's worth are in flight,
/// so a janitor that destroyed one after another would never get past the first.
@Suite(.timeLimit(.minutes(1)))
struct JanitorConcurrencyTests {
    @Test(arguments: [(sandboxes: 6, concurrency: 4), (sandboxes: 3, concurrency: 4), (sandboxes: 3, concurrency: 1)])
    func aSweepDestroysUpToItsLimitAtOnce(sandboxes: Int, concurrency: Int) async throws {
        try await ServerTestHost.with { host in
            let barrier = DestroyBarrier(host.connection, opensAt: min(sandboxes, concurrency))
            let manager = SandboxManager(
                domains: barrier,
                configuration: .init(jobsRoot: host.jobsRoot, owner: host.owner, gracefulShutdownTimeout: .zero))
            var names: [String] = []
            for _ in 0..<sandboxes {
                let made = try await manager.create(
                    SandboxRequest(baseVM: host.base, autoStart: false, ttlSeconds: 60))
                names.append(made.name.value)
            }
            let later = Int64(Date().timeIntervalSince1970) + 3600
            let janitor = TTLJanitor(
                manager: manager, interval: .seconds(1), metrics: host.metrics, logger: .init(label: "test"),
                concurrency: concurrency, now: { later })
            #expect(await janitor.sweep() == names.sorted())
            #expect(barrier.mostAtOnce == min(sandboxes, concurrency))
            #expect(try await manager.list().isEmpty)
        }
    }
}

/// Forwards to a real connection; `destroy(named:)` waits until `opensAt` destroys are in flight
/// together (then the barrier stays open) and records the most in flight at once.
final class DestroyBarrier: ForwardingDomains, @unchecked Sendable {
    let inner: any DomainManager
    private let opensAt: Int
    private let lock = NSLock()
    private var inFlight = 0
    private var most = 0
    private var isOpen = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(_ inner: any DomainManager, opensAt: Int) {
        self.inner = inner
        self.opensAt = opensAt
    }

    var mostAtOnce: Int { lock.withLock { most } }

    func destroy(named name: String) async throws(SandboxError) {
        let released: [CheckedContinuation<Void, Never>] = lock.withLock {
            inFlight += 1
            most = max(most, inFlight)
            guard !isOpen, inFlight >= opensAt else { return [] }
            isOpen = true
            defer { waiters.removeAll() }
            return waiters
        }
        for waiter in released { waiter.resume() }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let passes: Bool = lock.withLock {
                if isOpen { return true }
                waiters.append(continuation)
                return false
            }
            if passes { continuation.resume() }
        }
        defer { lock.withLock { inFlight -= 1 } }
        try await inner.destroy(named: name)
    }
}

import Foundation
import SandboxValues

/// The threads that run ``LibvirtThreadExecutor``s. A thread whose executor has shut down parks here
/// and runs the next executor instead of ending; the pool only grows to the most executors ever
/// alive at once.
///
/// Why threads never end: a thread that ends runs its thread-local destructors, OpenSSL's among them
/// (libvirt's remote driver pulls it in through libssh). A connection released just before the
/// process exits ended its thread while `exit()` ran OpenSSL's own cleanup; the two freed the same
/// state, and `sandbox-demo` died now and then with `malloc_consolidate(): invalid chunk size` or a
/// segmentation fault after its work was done. A parked thread has nothing to race with.
///
/// Thread-safe.
final class ExecutorThreadPool: @unchecked Sendable {
    static let shared = ExecutorThreadPool()

    // All mutable state is guarded by `condition`'s lock.
    private let condition = NSCondition()
    private var waiting: [@Sendable () -> Void] = []
    private var idleThreads = 0
    private var threads = 0

    /// How many threads the pool has made so far (they never end).
    var threadCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return threads
    }

    /// Runs `body` on a parked thread, or on a new one when none is parked. `body` may run for as
    /// long as it likes; its thread is parked again when it returns.
    func run(_ body: @escaping @Sendable () -> Void) {
        condition.lock()
        waiting.append(body)
        if idleThreads >= waiting.count {
            condition.signal()
        } else {
            threads += 1
            Thread { [self] in work() }.start()
        }
        condition.unlock()
    }

    private func work() {
        while true {
            condition.lock()
            while waiting.isEmpty {
                idleThreads += 1
                condition.wait()
                idleThreads -= 1
            }
            let body = waiting.removeFirst()
            condition.unlock()
            body()
        }
    }
}

internal import CLibvirt
import Foundation
import SandboxValues

/// A serial executor that runs every job on one dedicated thread, taken from
/// ``ExecutorThreadPool`` for the executor's lifetime.
///
/// libvirt calls block (most are RPCs to a daemon), so they must not run on Swift's cooperative
/// thread pool. An actor using this executor runs all of its code on its own thread instead; libvirt's
/// thread-local last error is then always read on the thread that caused it.
///
/// Thread-safe. The thread serves this executor until ``shutdown()`` has been called and the queue is
/// drained; then it goes back to the pool (it never ends, see ``ExecutorThreadPool``).
final class LibvirtThreadExecutor: SerialExecutor, @unchecked Sendable {
    /// The thread's name, as the OS knows it (at most 15 bytes on Linux).
    let name: String

    // All mutable state is guarded by `condition`'s lock.
    private let condition = NSCondition()
    private var queue: [UnownedJob] = []
    private var stopping = false
    private var finalBlock: (@Sendable () -> Void)?
    private var threadID: pthread_t?

    init(name: String) {
        self.name = name
        ExecutorThreadPool.shared.run { [self] in runLoop() }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        precondition(!stopping, "job enqueued on \(name) after shutdown")
        queue.append(job)
        condition.signal()
        condition.unlock()
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    func checkIsolated() {
        precondition(isCurrentThread, "not on the \(name) executor thread")
    }

    /// Whether the caller runs on this executor's thread.
    var isCurrentThread: Bool {
        condition.lock()
        defer { condition.unlock() }
        guard let threadID else { return false }
        return pthread_equal(threadID, pthread_self()) != 0
    }

    /// Lets the thread finish once the jobs already queued have run. Call it once, when nothing
    /// can enqueue any more (from the owning actor's deinit).
    /// `finally` runs on the thread after the queued jobs, just before it ends.
    func shutdown(finally: (@Sendable () -> Void)? = nil) {
        condition.lock()
        finalBlock = finally
        stopping = true
        condition.signal()
        condition.unlock()
    }

    private func runLoop() {
        setCurrentThreadName(name)
        condition.lock()
        threadID = pthread_self()
        condition.unlock()
        let executor = asUnownedSerialExecutor()
        while true {
            condition.lock()
            while queue.isEmpty && !stopping {
                condition.wait()
            }
            if queue.isEmpty {
                let last = finalBlock
                finalBlock = nil
                threadID = nil  // the thread goes on to serve other executors
                condition.unlock()
                last?()
                return
            }
            let batch = queue
            queue.removeAll(keepingCapacity: true)
            condition.unlock()
            for job in batch {
                job.runSynchronously(on: executor)
            }
        }
    }
}

/// Names the calling thread for debuggers, `top -H` and tests. Linux keeps at most 15 bytes.
func setCurrentThreadName(_ name: String) {
    _ = sandbox_set_current_thread_name(String(decoding: name.utf8.prefix(15), as: UTF8.self))
}

/// The calling thread's name as the OS knows it.
func currentThreadName() -> String {
    var buffer = [CChar](repeating: 0, count: 32)
    let result = buffer.withUnsafeMutableBufferPointer { sandbox_get_current_thread_name($0.baseAddress, $0.count) }
    guard result == 0 else { return "" }
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

internal import CLibvirt
import Foundation
import Logging
import SandboxValues

/// The guest-agent traffic of one ``LibvirtConnection``, kept apart from its lifecycle calls.
///
/// Why: a guest agent call (`virDomainQemuAgentCommand`, agent-sourced interface addresses) blocks
/// until the guest answers or the timeout passes. A guest can freeze its qemu-guest-agent at will
/// (`kill -STOP`), so such a call may take its whole timeout every time. On the connection's one
/// thread it held every other call of the process meanwhile: lifecycle calls, `/v1/health`, other
/// tenants' requests. One frozen guest must not stall the others, nor the host's own work.
///
/// How:
/// - **Its own libvirt connection** to the same URI, opened on first use and opened again when the
///   daemon went away (as ``LibvirtConnection`` does). The daemon serves a bounded number of
///   requests of one client at once (libvirtd's `max_client_requests`, 5 by default), so hung agent
///   calls on the lifecycle connection would use up its slots too. A `test:` URI naming a node file
///   shares the lifecycle connection's handle instead (see ``share(_:)``): a second open would load
///   a second, separate copy of that host.
/// - **A few threads of its own**: each call runs on a thread from ``ExecutorThreadPool``, never on
///   Swift's cooperative pool nor on the connection's thread; at most ``threadLimit`` at once.
/// - **One call per domain at a time**: libvirt runs one agent job per domain, so a second call to
///   the same domain would only wait inside libvirt while holding a thread. Calls to a busy domain
///   wait in the queue instead; a frozen agent therefore holds at most one thread, and the others
///   keep serving other domains.
/// - **A deadline per call**: the timeout is capped at ``maximumTimeoutSeconds``, and the caller
///   waits at most that plus ``deadlineGrace`` (libvirt's `guest-sync` before each command takes up
///   to 5 s more), also while the call is still queued or when libvirt overruns its timeout. Then
///   the call fails with `.agentUnavailable`. The thread of an abandoned call stays busy until
///   libvirt returns, and its domain stays busy with it, so abandoned calls cannot pile up threads.
///   Cancellation does not cut a call short: a cancelled exec still kills its command through the
///   agent (``GuestAgentClient/exec(_:_:options:)``), so its calls must go through; the deadline
///   bounds them. A caller that must not wait on the agent at all runs its calls in a task of its
///   own and stops waiting for it (as ``SandboxManager/destroy(_:)`` does).
/// - libvirt's last error is thread-local: each call's body runs on its worker thread and reads the
///   error there (``LibvirtError``).
///
/// Thread-safe. ``close()`` fails queued calls and lets running ones finish on their threads.
final class GuestAgentChannel: @unchecked Sendable {
    /// The URI the channel's connection is opened to.
    let uri: String
    /// The most calls that run at once (threads in use).
    let threadLimit: Int
    /// The longest timeout handed to libvirt; longer ones are cut to it.
    static let maximumTimeoutSeconds = 120
    /// The name of a thread while it runs an agent call.
    static let threadName = "libvirt-agent"

    private let logger: Logger
    /// Guards the queue, the running calls, `closed`, `deadlineGrace` and `beforeCall`.
    private let lock = NSLock()
    private var pending: [Job] = []
    private var busyDomains: Set<String> = []
    private var running = 0
    private var closed = false
    private var deadlineGraceValue: Duration = .seconds(10)
    private var beforeCallHook: (@Sendable (String) -> Void)?

    /// Guards `handle`, `shared` and `connectionLost`; held while (re)opening the connection.
    private let connectionLock = NSLock()
    private var handle: OpaquePointer?
    /// Whether `handle` is the lifecycle connection's (never reopened).
    private var shared = false

    init(uri: String, threadLimit: Int = 4, logger: Logger) {
        precondition(threadLimit > 0, "a guest agent channel needs at least one thread")
        self.uri = uri
        self.threadLimit = threadLimit
        self.logger = logger
    }

    deinit {
        close()
    }

    /// Whether a second connection to `uri` would see another host than the first: the test
    /// driver loads a node file anew for each connection (`test:///default` is shared).
    static func needsSharedHandle(uri: String) -> Bool {
        uri.hasPrefix("test:") && uri != "test:///default"
    }

    /// Uses `connection` (the lifecycle connection's handle) instead of opening one; takes a reference.
    func share(_ connection: OpaquePointer) {
        connectionLock.lock()
        defer { connectionLock.unlock() }
        guard handle == nil else { return }
        _ = virConnectRef(connection)
        handle = connection
        shared = true
    }

    /// How much longer than its timeout a caller waits for a call (default 10 s).
    var deadlineGrace: Duration {
        get { lock.withLock { deadlineGraceValue } }
        set { lock.withLock { deadlineGraceValue = newValue } }
    }

    /// Fails the queued calls, lets the running ones finish, and drops the connection once they have.
    /// Later calls throw `.libvirt`. Closing twice does nothing.
    func close() {
        let dropped: [Job] = lock.withLock {
            closed = true
            defer { pending.removeAll() }
            return pending
        }
        for job in dropped {
            job.fail(SandboxError(.libvirt, "the connection to \(uri) was closed before the guest agent call ran"))
        }
        connectionLock.lock()
        let last = handle
        handle = nil
        connectionLock.unlock()
        if let last {
            // Running calls hold references of their own; the connection ends with the last one.
            _ = virConnectClose(last)
            virResetLastError()
        }
    }

    /// Looks up domain `name` on the channel's connection and runs `body` with it on one of the
    /// channel's threads, waiting at most `timeoutSeconds` (already capped by the caller) plus
    /// ``deadlineGrace``.
    ///
    /// - Parameters:
    ///   - action: what is attempted, for error messages: "run a guest agent command in domain 'x'".
    ///   - body: the libvirt call; it must read libvirt's error itself, before it returns.
    func run<Value: Sendable>(
        domain name: String, timeoutSeconds: Int, _ action: String,
        _ body: @escaping @Sendable (OpaquePointer) throws(SandboxError) -> Value
    ) async throws(SandboxError) -> Value {
        let completion = Completion<Value>()
        let job = Job(
            domain: name,
            isAbandoned: { completion.isDone },
            fail: { completion.finish(.failure($0)) },
            execute: { connection in
                let result: Result<Value, SandboxError>
                do throws(SandboxError) {
                    let domain = try LibvirtError.check(
                        virDomainLookupByName(connection, name), operation: "virDomainLookupByName", action)
                    defer { virDomainFree(domain) }
                    result = .success(try body(domain))
                } catch {
                    result = .failure(error)
                }
                completion.finish(result)
            })
        let grace = deadlineGrace
        let limit = Duration.seconds(max(0, timeoutSeconds)) + grace
        let result = await withCheckedContinuation {
            (continuation: CheckedContinuation<Result<Value, SandboxError>, Never>) in
            completion.install(continuation)
            do throws(SandboxError) {
                try enqueue(job)
            } catch {
                completion.finish(.failure(error))
                return
            }
            // Task.sleep returns at once in a cancelled task: the timer sleeps in a task of its own.
            let timer = Task.detached {
                try? await Task.sleep(for: limit)
                completion.finish(
                    .failure(
                        SandboxError(
                            .agentUnavailable,
                            "could not \(action): the guest agent did not answer within \(limit) "
                                + "(the call may still be queued behind an earlier one to the same domain)")))
            }
            completion.onFinish { timer.cancel() }
        }
        return try result.get()
    }

    // MARK: - Scheduling

    /// One queued call.
    private struct Job: Sendable {
        var domain: String
        /// Whether its caller has stopped waiting (deadline, cancellation): it need not run.
        var isAbandoned: @Sendable () -> Bool
        var fail: @Sendable (SandboxError) -> Void
        /// Runs the call with a connection the channel holds a reference on, on a channel thread.
        var execute: @Sendable (OpaquePointer) -> Void
    }

    private func enqueue(_ job: Job) throws(SandboxError) {
        let started: [Job]
        lock.lock()
        guard !closed else {
            lock.unlock()
            throw SandboxError(.libvirt, "could not call the guest agent: the connection to \(uri) is closed")
        }
        pending.append(job)
        started = dispatchLocked()
        lock.unlock()
        for next in started { start(next) }
    }

    /// Takes the calls that may run now off the queue (their domain is not busy, a thread is
    /// free) and marks them running. Called with `lock` held.
    private func dispatchLocked() -> [Job] {
        var started: [Job] = []
        var index = 0
        while running < threadLimit, index < pending.count {
            let job = pending[index]
            if job.isAbandoned() {
                pending.remove(at: index)
            } else if busyDomains.contains(job.domain) {
                index += 1
            } else {
                pending.remove(at: index)
                busyDomains.insert(job.domain)
                running += 1
                started.append(job)
            }
        }
        return started
    }

    private func start(_ job: Job) {
        ExecutorThreadPool.shared.run { [self] in
            setCurrentThreadName(Self.threadName)
            execute(job)
            let next: [Job] = lock.withLock {
                busyDomains.remove(job.domain)
                running -= 1
                return dispatchLocked()
            }
            for call in next { start(call) }
        }
    }

    /// Runs `job` on the calling (channel) thread.
    private func execute(_ job: Job) {
        guard !job.isAbandoned() else { return }
        let hook = lock.withLock { beforeCallHook }
        hook?(job.domain)
        let connection: OpaquePointer
        do {
            connection = try acquireConnection()
        } catch {
            job.fail(error)
            return
        }
        defer {
            _ = virConnectClose(connection)  // the reference taken by acquireConnection
            virResetLastError()
        }
        job.execute(connection)
    }

    /// The channel's connection with a reference taken for the caller, opened or reopened first
    /// when needed. Runs on a channel thread, so libvirt's error is read where it was set.
    private func acquireConnection() throws(SandboxError) -> OpaquePointer {
        connectionLock.lock()
        defer { connectionLock.unlock() }
        guard !lock.withLock({ closed }) else {
            throw SandboxError(.libvirt, "could not call the guest agent: the connection to \(uri) is closed")
        }
        if let handle, shared || virConnectIsAlive(handle) != 0 {
            _ = virConnectRef(handle)
            return handle
        }
        if let dead = handle {
            logger.warning("guest agent connection lost; reconnecting", metadata: ["uri": "\(uri)"])
            _ = virConnectClose(dead)
            virResetLastError()
            handle = nil
        }
        try LibvirtRuntime.ensureInitialized()
        let fresh = try LibvirtError.check(
            virConnectOpen(uri), operation: "virConnectOpen", "connect to \(uri) for guest agent calls")
        if !uri.hasPrefix("test:"), virConnectSetKeepAlive(fresh, 5, 3) < 0 {
            let error = LibvirtError.last(operation: "virConnectSetKeepAlive", "enable keepalive")
            logger.debug("keepalive not enabled", metadata: ["uri": "\(uri)", "error": "\(error)"])
        }
        handle = fresh
        logger.debug("opened guest agent connection", metadata: ["uri": "\(uri)"])
        _ = virConnectRef(fresh)
        return fresh
    }

    // MARK: - Test hooks

    /// Called on the channel thread with the domain's name just before each call talks to libvirt;
    /// a test may block in it to play a frozen agent.
    var beforeCall: (@Sendable (String) -> Void)? {
        get { lock.withLock { beforeCallHook } }
        set { lock.withLock { beforeCallHook = newValue } }
    }

    /// How many calls run on channel threads right now.
    var runningCount: Int { lock.withLock { running } }
}

/// The one result of a call, handed to its single waiter by whoever comes first: the call, its
/// deadline or its cancellation.
private final class Completion<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Result<Value, SandboxError>, Never>?
    private var result: Result<Value, SandboxError>?
    private var finishActions: [@Sendable () -> Void] = []

    var isDone: Bool { lock.withLock { result != nil } }

    func install(_ continuation: CheckedContinuation<Result<Value, SandboxError>, Never>) {
        lock.lock()
        if let result {
            lock.unlock()
            continuation.resume(returning: result)
            return
        }
        self.continuation = continuation
        lock.unlock()
    }

    /// Runs `action` once a result is there (at once if it already is).
    func onFinish(_ action: @escaping @Sendable () -> Void) {
        lock.lock()
        guard result == nil else {
            lock.unlock()
            action()
            return
        }
        finishActions.append(action)
        lock.unlock()
    }

    /// Sets the result unless there is one already, and wakes the waiter.
    func finish(_ value: Result<Value, SandboxError>) {
        lock.lock()
        guard result == nil else {
            lock.unlock()
            return
        }
        result = value
        let waiter = continuation
        continuation = nil
        let actions = finishActions
        finishActions = []
        lock.unlock()
        waiter?.resume(returning: value)
        for action in actions { action() }
    }
}

internal import CLibvirt
import SandboxValues
import Synchronization

/// Fans the lifecycle events of one connection out to all of its live streams.
///
/// libvirt calls ``lifecycleEventCallback`` on its event-loop thread with an opaque pointer to this
/// hub; each registration holds one retain on it (`Unmanaged.passRetained`) that libvirt gives back
/// through ``releaseLifecycleEventHub`` when the registration is removed. Thread-safe.
final class LifecycleEventHub: Sendable {
    private struct State {
        var nextID = 0
        var subscribers: [Int: AsyncStream<DomainLifecycleEvent>.Continuation] = [:]
    }

    private let state = Mutex(State())

    /// Adds a stream; returns its ID for ``remove(_:)``.
    func add(_ continuation: AsyncStream<DomainLifecycleEvent>.Continuation) -> Int {
        state.withLock { state in
            let id = state.nextID
            state.nextID += 1
            state.subscribers[id] = continuation
            return id
        }
    }

    /// Removes a stream; returns whether none are left.
    @discardableResult
    func remove(_ id: Int) -> Bool {
        state.withLock { state in
            state.subscribers[id] = nil
            return state.subscribers.isEmpty
        }
    }

    var isEmpty: Bool {
        state.withLock { $0.subscribers.isEmpty }
    }

    func broadcast(_ event: DomainLifecycleEvent) {
        let continuations = state.withLock { Array($0.subscribers.values) }
        for continuation in continuations {
            continuation.yield(event)
        }
    }

    /// Ends every stream. Finishing runs `onTermination` handlers, which call ``remove(_:)``, so this
    /// happens outside the lock.
    func finishAll() {
        let continuations = state.withLock { state in
            defer { state.subscribers.removeAll() }
            return Array(state.subscribers.values)
        }
        for continuation in continuations {
            continuation.finish()
        }
    }
}

/// libvirt's lifecycle callback (`virConnectDomainEventCallback`). A plain global function: it runs on
/// libvirt's event-loop thread and must not be isolated to any actor.
func lifecycleEventCallback(
    _ connection: OpaquePointer?, _ domain: OpaquePointer?, _ event: Int32, _ detail: Int32,
    _ opaque: UnsafeMutableRawPointer?
) -> Int32 {
    guard let domain, let opaque else { return 0 }
    let hub = Unmanaged<LifecycleEventHub>.fromOpaque(opaque).takeUnretainedValue()
    // Both calls read the event's cached copy of the domain; neither is an RPC.
    let name = virDomainGetName(domain).map { String(cString: $0) } ?? ""
    let uuid = LibvirtConnection.uuidString(of: domain) ?? ""
    virResetLastError()
    hub.broadcast(
        DomainLifecycleEvent(
            domainName: name, uuid: uuid, kind: .init(libvirtEvent: Int(event)), detail: Int(detail)))
    return 0
}

/// libvirt's `virFreeCallback` for a registration's opaque pointer: gives back its retain on the hub.
func releaseLifecycleEventHub(_ opaque: UnsafeMutableRawPointer?) {
    guard let opaque else { return }
    Unmanaged<LifecycleEventHub>.fromOpaque(opaque).release()
}

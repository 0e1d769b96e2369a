import Logging

/// Watches the DHCP leases of libvirt networks, one poll loop per network however many waits
/// share it, so that a wait learns of its sandbox's lease within one ``interval`` of it existing.
///
/// libvirt has no event for a new DHCP lease. Polling every sandbox's own sources at tens of
/// milliseconds would cost several RPCs per sandbox per poll; this watcher costs one
/// `virNetworkGetDHCPLeases` per network per interval (about 20 per second by default) while at
/// least one wait is subscribed, and nothing otherwise.
///
/// An actor: safe to share. ``SandboxManager`` owns one per connection; an ``IPWaiter`` given one
/// is woken by it.
public actor LeaseWatcher {
    /// The pause between two polls of a network's leases.
    public let interval: Duration
    private let domains: any NetworkAdministration
    private let logger: Logger
    private var watches: [String: Watch] = [:]
    private var nextID = 0

    private struct Watch {
        var subscribers: [Int: AsyncStream<[NetworkDHCPLease]>.Continuation] = [:]
        var latest: [NetworkDHCPLease]?
        var poller: Task<Void, Never>?
    }

    /// - Parameter interval: between polls of one network (default 50 ms: an address is seen at
    ///   most ~50 ms plus one RPC after the lease exists).
    public init(
        domains: any NetworkAdministration, interval: Duration = .milliseconds(50),
        logger: Logger = Logger(label: "SandboxCore.leases", factory: { _ in SwiftLogNoOpLogHandler() })
    ) {
        self.domains = domains
        self.interval = max(interval, .milliseconds(1))
        self.logger = logger
    }

    /// The network's leases now and after every change, until the stream's consumer stops. The
    /// first element comes after the first poll. Polling stops when the last subscriber leaves.
    public func leases(of network: String) -> AsyncStream<[NetworkDHCPLease]> {
        let (stream, continuation) = AsyncStream.makeStream(
            of: [NetworkDHCPLease].self, bufferingPolicy: .bufferingNewest(1))
        nextID += 1
        let id = nextID
        var watch = watches[network] ?? Watch()
        watch.subscribers[id] = continuation
        if let latest = watch.latest { continuation.yield(latest) }
        if watch.poller == nil {
            watch.poller = Task { [weak self] in await self?.poll(network) }
        }
        watches[network] = watch
        continuation.onTermination = { [weak self] _ in
            Task { await self?.unsubscribe(network, id: id) }
        }
        return stream
    }

    /// How many networks are being polled now (for tests and metrics).
    public var activeNetworks: Int { watches.count }

    private func unsubscribe(_ network: String, id: Int) {
        guard var watch = watches[network] else { return }
        watch.subscribers[id] = nil
        if watch.subscribers.isEmpty {
            watch.poller?.cancel()
            watches[network] = nil
        } else {
            watches[network] = watch
        }
    }

    private func poll(_ network: String) async {
        while !Task.isCancelled, watches[network] != nil {
            do {
                let leases = try await domains.networkDHCPLeases(network: network, mac: nil)
                publish(leases, network: network)
            } catch {
                logger.debug("lease poll failed", metadata: ["network": "\(network)", "error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }

    private func publish(_ leases: [NetworkDHCPLease], network: String) {
        guard var watch = watches[network], watch.latest != leases else { return }
        watch.latest = leases
        watches[network] = watch
        for continuation in watch.subscribers.values { continuation.yield(leases) }
    }
}

import Logging

/// When to poll again while waiting: `initial`, then ×`factor` after every poll that found
/// nothing, never more than `maximum`. The default (20 ms ×1.5 up to 1 s) polls 10 times in the
/// first 1.5 s and then once a second. A plain value; ``delay(afterPoll:)`` is pure.
public struct PollSchedule: Sendable, Hashable, Codable {
    public var initial: Duration
    public var factor: Double
    public var maximum: Duration

    /// 20 ms, ×1.5, at most 1 s.
    public static let `default` = PollSchedule(initial: .milliseconds(20), factor: 1.5, maximum: .seconds(1))

    /// A schedule; a factor below 1 counts as 1 and an initial delay above `maximum` as `maximum`.
    public init(initial: Duration, factor: Double, maximum: Duration) {
        self.initial = initial
        self.factor = factor
        self.maximum = maximum
    }

    /// The pause after poll number `attempt` (0 for the first poll): `initial × factor^attempt`,
    /// rounded to the nanosecond, capped at `maximum`.
    public func delay(afterPoll attempt: Int) -> Duration {
        let cap = Self.nanoseconds(maximum)
        let start = min(max(Self.nanoseconds(initial), 0), cap)
        let growth = factor.isFinite ? max(factor, 1) : 1
        var value = Double(start)
        for _ in 0..<max(attempt, 0) {
            value *= growth
            if value >= Double(cap) { return .nanoseconds(cap) }
        }
        return .nanoseconds(min(Int64(value.rounded()), cap))
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? 0 : .max }
        return whole.addingReportingOverflow(attoseconds / 1_000_000_000).overflow
            ? .max : whole + attoseconds / 1_000_000_000
    }
}

/// What an ``IPWaiter`` is doing, for progress displays.
public enum IPWaitProgress: Sendable, Hashable {
    /// Whether lifecycle events wake the waiter (otherwise it only polls).
    case subscribed(events: Bool)
    /// Poll number `attempt` (from 1) ended, `elapsed` after the wait began.
    case polled(attempt: Int, elapsed: Duration, found: Bool)
    /// A lifecycle event of the domain woke the waiter.
    case event(DomainLifecycleEvent.Kind, elapsed: Duration)
    /// The ``LeaseWatcher`` saw a lease for the NIC's MAC on its network.
    case leaseSeen(elapsed: Duration)
}

/// Waits for a sandbox NIC's IP address: returns the moment a discoverer reports one.
///
/// It polls on a ``PollSchedule`` (tens of milliseconds at first, backing off to a second) and
/// is woken at once by any lifecycle event of the domain, which also restarts the schedule, and —
/// given a ``LeaseWatcher`` and a NIC on a libvirt network — by a lease for the NIC's MAC. A
/// domain that is or becomes shut off or crashed ends the wait at once with `.notRunning`; one
/// that disappears with `.notFound`. Task cancellation ends it with `.cancelled`. When the timeout
/// passes, the error is `.timeout` with a ``Diagnosis`` attached (``SandboxError/diagnosis``) and
/// its verdict in the message. Transient discovery failures are retried until then; the last one
/// is named in the timeout message.
///
/// A value type; safe to share. Each wait subscribes to the connection's lifecycle events for its
/// own duration.
public struct IPWaiter: Sendable {
    public var domains: any DomainManager
    /// The sources of the standard ``CompositeDiscoverer``, in order.
    public var sources: [DiscoverySource]
    public var preference: AddressFamilyPreference
    /// A discoverer to use instead of the standard composite (tests, custom sources).
    public var discoverer: (any IPDiscoverer)?
    public var schedule: PollSchedule
    /// Wakes the wait when the NIC's network has a lease for its MAC; nil polls only.
    public var leaseWatcher: LeaseWatcher?
    /// Makes the diagnosis on timeout or when the domain is not running.
    public var diagnoser: Diagnoser
    /// Called on the waiting task with progress; keep it quick.
    public var observer: (@Sendable (IPWaitProgress) -> Void)?
    public var logger: Logger

    public init(
        domains: any DomainManager, sources: [DiscoverySource] = DiscoverySource.defaultOrder,
        preference: AddressFamilyPreference = .preferIPv4, discoverer: (any IPDiscoverer)? = nil,
        schedule: PollSchedule = .default, leaseWatcher: LeaseWatcher? = nil, diagnoser: Diagnoser? = nil,
        observer: (@Sendable (IPWaitProgress) -> Void)? = nil,
        logger: Logger = Logger(label: "SandboxCore.discovery", factory: { _ in SwiftLogNoOpLogHandler() })
    ) {
        self.domains = domains
        self.sources = sources
        self.preference = preference
        self.discoverer = discoverer
        self.schedule = schedule
        self.leaseWatcher = leaseWatcher
        self.diagnoser = diagnoser ?? Diagnoser(domains: domains, sources: sources)
        self.observer = observer
        self.logger = logger
    }

    /// The NIC's best address now, or nil when no source knows one yet. Does not wait.
    ///
    /// - Parameter network: the NIC's libvirt network; nil reads it from the live XML when needed.
    public func currentAddress(domain: String, mac: MACAddress, network: String? = nil)
        async throws(SandboxError) -> DiscoveredAddress?
    {
        try await discoverer(network: network, known: network != nil).addresses(domain: domain, mac: mac).first
    }

    /// The target NIC's best address now, or nil when no source knows one yet. Does not wait and
    /// reads no domain XML.
    public func currentAddress(_ target: DiscoveryTarget) async throws(SandboxError) -> DiscoveredAddress? {
        try await discoverer(network: target.network, known: true).addresses(domain: target.domain, mac: target.mac)
            .first
    }

    /// Waits until the target NIC has an address and returns the best one; reads no domain XML
    /// (the target says where the NIC is), and takes a lease the ``leaseWatcher`` reports as it is.
    ///
    /// - Throws: `.timeout` or `.notRunning` with a diagnosis, `.notFound`, `.cancelled`.
    public func waitForIP(_ target: DiscoveryTarget, timeout: EffectiveTimeout) async throws(SandboxError)
        -> DiscoveredAddress
    {
        try await wait(
            Context(
                domain: target.domain, mac: target.mac, network: target.network, networkKnown: true, timeout: timeout,
                seedPath: target.seedPath, consoleLogPath: target.consoleLogPath, start: ContinuousClock.now))
    }

    /// Waits until the NIC with `mac` of domain `domain` has an address and returns the best one.
    ///
    /// - Parameters:
    ///   - network: the NIC's libvirt network; nil reads it from the live XML when needed.
    ///   - timeout: how long to wait; see ``DiscoveryTimeout``.
    ///   - seedPath, consoleLogPath: the sandbox's files, for the diagnosis (nil: from the live XML).
    /// - Throws: `.timeout` or `.notRunning` with a diagnosis, `.notFound`, `.cancelled`.
    public func waitForIP(
        domain: String, mac: MACAddress, network: String? = nil, timeout: EffectiveTimeout, seedPath: String? = nil,
        consoleLogPath: String? = nil
    ) async throws(SandboxError) -> DiscoveredAddress {
        try await wait(
            Context(
                domain: domain, mac: mac, network: network, networkKnown: network != nil, timeout: timeout,
                seedPath: seedPath, consoleLogPath: consoleLogPath, start: ContinuousClock.now))
    }

    /// ``waitForIP(domain:mac:network:timeout:seedPath:consoleLogPath:)`` with a plain duration.
    public func waitForIP(
        domain: String, mac: MACAddress, network: String? = nil, timeout: Duration, seedPath: String? = nil,
        consoleLogPath: String? = nil
    ) async throws(SandboxError) -> DiscoveredAddress {
        try await waitForIP(
            domain: domain, mac: mac, network: network, timeout: .fixed(timeout), seedPath: seedPath,
            consoleLogPath: consoleLogPath)
    }

    // MARK: - Internals

    private enum Wake: Sendable {
        case tick(Int)
        case event(DomainLifecycleEvent.Kind)
        /// The watcher's current leases of the NIC's MAC.
        case lease([NetworkDHCPLease])
    }

    private struct Context: Sendable {
        var domain: String
        var mac: MACAddress
        var network: String?
        /// Whether `network` is known (nil then means: not on a libvirt network) rather than to be
        /// read from the live XML.
        var networkKnown: Bool
        var timeout: EffectiveTimeout
        var seedPath: String?
        var consoleLogPath: String?
        var start: ContinuousClock.Instant
    }

    /// The discoverer for a NIC whose network is known (`known`; nil then means: on no libvirt
    /// network, so there are no network leases to ask) or to be read from the live XML.
    private func discoverer(network: String?, known: Bool) -> any IPDiscoverer {
        if let discoverer { return discoverer }
        let order = known && network == nil ? sources.filter { $0 != .networkLeases } : sources
        return CompositeDiscoverer(domains: domains, order: order, network: network, preference: preference)
    }

    /// The address a lease the watcher saw gives, when the standard sources would ask the
    /// network's leases too (a custom discoverer, or sources without them, poll instead).
    private func address(from leases: [NetworkDHCPLease], _ context: Context) -> DiscoveredAddress? {
        guard discoverer == nil, sources.contains(.networkLeases) else { return nil }
        return LeaseSelection.addresses(
            leases, mac: context.mac, now: LeaseSelection.wallClockNow(), preference: preference
        ).first
    }

    private func wait(_ context: Context) async throws(SandboxError) -> DiscoveredAddress {
        let domain = context.domain
        let mac = context.mac
        if Task.isCancelled { throw cancelled(context) }
        // Subscribe before the first look at the domain, so no event falls in between.
        let events: AsyncStream<DomainLifecycleEvent>?
        do {
            events = try await domains.lifecycleEvents()
        } catch {
            logger.debug("no lifecycle events; polling only", metadata: ["domain": "\(domain)", "error": "\(error)"])
            events = nil
        }
        observer?(.subscribed(events: events != nil))
        if let failure = await runningCheck(context) { throw failure }
        let leases = await leaseStream(context)

        let (wakes, wakeContinuation) = AsyncStream.makeStream(of: Wake.self)
        let result = await withTaskGroup(of: Void.self, returning: Result<DiscoveredAddress, SandboxError>.self) {
            group in
            if let events {
                group.addTask {
                    for await event in events where event.domainName == domain {
                        wakeContinuation.yield(.event(event.kind))
                    }
                }
            }
            if let leases {
                group.addTask {
                    for await current in leases {
                        let mine = LeaseSelection.current(current, mac: mac, now: LeaseSelection.wallClockNow())
                        if !mine.isEmpty { wakeContinuation.yield(.lease(mine)) }
                    }
                }
            }
            let result = await loop(context, hasEvents: events != nil, wakes: wakes, wakeContinuation: wakeContinuation)
            group.cancelAll()
            wakeContinuation.finish()
            return result
        }
        return try result.get()
    }

    private func loop(
        _ context: Context, hasEvents: Bool, wakes: AsyncStream<Wake>, wakeContinuation: AsyncStream<Wake>.Continuation
    ) async -> Result<DiscoveredAddress, SandboxError> {
        let clock = ContinuousClock()
        let deadline = context.start.advanced(by: context.timeout.duration)
        let discoverer = discoverer(network: context.network, known: context.networkKnown)
        var wakeIterator = wakes.makeAsyncIterator()
        var timer: Task<Void, Never>?
        defer { timer?.cancel() }
        var attempt = 0
        var polls = 0
        var tick = 0
        var lastError: SandboxError?
        while true {
            if Task.isCancelled { return .failure(cancelled(context)) }
            do {
                let found = try await discoverer.addresses(domain: context.domain, mac: context.mac)
                polls += 1
                observer?(.polled(attempt: polls, elapsed: clock.now - context.start, found: !found.isEmpty))
                if let best = found.first {
                    logger.debug(
                        "address found",
                        metadata: [
                            "domain": "\(context.domain)", "address": "\(best)", "polls": "\(polls)",
                            "elapsed": "\(clock.now - context.start)",
                        ])
                    return .success(best)
                }
            } catch  where error.code == .notFound {
                return .failure(Self.disappeared(context))
            } catch  where error.code == .cancelled {
                return .failure(error)
            } catch {
                polls += 1
                observer?(.polled(attempt: polls, elapsed: clock.now - context.start, found: false))
                lastError = error
                logger.debug(
                    "discovery failed; retrying", metadata: ["domain": "\(context.domain)", "error": "\(error)"])
            }
            if !hasEvents, let failure = await runningCheck(context) { return .failure(failure) }
            if Task.isCancelled { return .failure(cancelled(context)) }

            let now = clock.now
            guard now < deadline else { return .failure(await timedOut(context, polls: polls, lastError: lastError)) }
            let pause = min(schedule.delay(afterPoll: attempt), deadline - now)
            attempt += 1
            tick += 1
            let id = tick
            timer?.cancel()
            timer = Task {
                try? await Task.sleep(for: pause)
                wakeContinuation.yield(.tick(id))
            }
            waiting: while true {
                // `next()` returns nil when the task is cancelled.
                guard let wake = await wakeIterator.next() else { return .failure(cancelled(context)) }
                switch wake {
                case .tick(let fired):
                    if fired == id { break waiting }
                case .lease(let leases):
                    observer?(.leaseSeen(elapsed: clock.now - context.start))
                    if let best = address(from: leases, context) {
                        logger.debug(
                            "address from the lease watcher",
                            metadata: [
                                "domain": "\(context.domain)", "address": "\(best)",
                                "elapsed": "\(clock.now - context.start)",
                            ])
                        return .success(best)
                    }
                    logger.debug("woken by a lease", metadata: ["domain": "\(context.domain)"])
                    attempt = 0
                    break waiting
                case .event(let kind):
                    observer?(.event(kind, elapsed: clock.now - context.start))
                    logger.debug("woken by event", metadata: ["domain": "\(context.domain)", "event": "\(kind)"])
                    switch kind {
                    case .stopped, .crashed, .shutdown, .undefined:
                        if let failure = await runningCheck(context) { return .failure(failure) }
                    default:
                        break
                    }
                    attempt = 0  // something changed: look closely again
                    break waiting
                }
            }
        }
    }

    /// The watcher's leases of the NIC's network, or nil without a watcher or a libvirt network.
    private func leaseStream(_ context: Context) async -> AsyncStream<[NetworkDHCPLease]>? {
        guard let leaseWatcher else { return nil }
        var network = context.network
        if network == nil, !context.networkKnown,
            let xml = try? await domains.domainXML(named: context.domain, inactive: false, secure: false)
        {
            network = DomainDescription(xml: xml)?.interface(mac: context.mac)?.network
        }
        guard let network else { return nil }
        return await leaseWatcher.leases(of: network)
    }

    /// nil while the domain may still get an address; otherwise the error that ends the wait.
    private func runningCheck(_ context: Context) async -> SandboxError? {
        let state: DomainState
        do {
            state = try await domains.state(named: context.domain)
        } catch  where error.code == .notFound {
            return Self.disappeared(context)
        } catch {
            return nil  // unknown: keep trying until the timeout
        }
        switch state {
        case .shutOff, .crashed:
            let diagnosis = await diagnose(context)
            return SandboxError(
                .notRunning,
                "domain \(context.domain) is \(state) and will not get an IP address (\(diagnosis.verdict))",
                diagnosis: diagnosis)
        default:
            return nil
        }
    }

    private func timedOut(_ context: Context, polls: Int, lastError: SandboxError?) async -> SandboxError {
        let diagnosis = await diagnose(context)
        var message =
            "no IP address for domain \(context.domain) (MAC \(context.mac)) within \(context.timeout) after \(polls) polls: \(diagnosis.verdict)"
        if let lastError { message += "; last discovery error: \(lastError.message)" }
        logger.info("IP wait timed out", metadata: ["domain": "\(context.domain)", "verdict": "\(diagnosis.verdict)"])
        return SandboxError(.timeout, message, diagnosis: diagnosis)
    }

    private func diagnose(_ context: Context) async -> Diagnosis {
        await diagnoser.diagnose(
            domain: context.domain, mac: context.mac, network: context.network, seedPath: context.seedPath,
            consoleLogPath: context.consoleLogPath)
    }

    private func cancelled(_ context: Context) -> SandboxError {
        SandboxError(.cancelled, "waiting for the IP address of domain \(context.domain) was cancelled")
    }

    private static func disappeared(_ context: Context) -> SandboxError {
        SandboxError(.notFound, "domain \(context.domain) disappeared while waiting for its IP address")
    }
}

import Foundation
import Logging
import SandboxCore
import ServiceLifecycle

/// Destroys this owner's sandboxes once `created_at + ttl_seconds` has passed, checking every
/// `interval`. A `Service`: it runs until the task is cancelled or the service group shuts down
/// gracefully, and finishes the sweep it is in first. A failed destroy is logged, counted
/// (`sandbox_failures_total{operation="reap"}`) and retried on the next sweep.
///
/// A sweep destroys up to ``concurrency`` sandboxes at once: a destroy may take the sandbox's
/// whole clean-shutdown budget (``SandboxManager/Configuration/gracefulShutdownTimeout``, e.g.
/// when its guest froze its agent), and one after another that added up across a sweep.
///
/// It also reconciles (``SandboxCore/SandboxManager/reconcile()``) when it starts and then every
/// ``reconcileInterval``: what a killed create left behind (a half-made domain, a job folder
/// without a domain) is removed while the service runs, not only by hand.
///
/// With a ``diskCapBytes``, each sweep also stops the running sandboxes whose overlay takes more
/// host storage than that (``SandboxCore/SandboxManager/enforceDiskCap(maxBytes:)``): they stay,
/// shut off, for their owner to inspect and delete, and are counted
/// (`sandbox_failures_total{operation="disk_cap",code="too_large"}`).
public struct TTLJanitor: Service {
    public let manager: SandboxManager
    public let interval: Duration
    /// The most destroys a sweep runs at once (at least 1).
    public let concurrency: Int
    /// The most host storage a running sandbox's overlay may take; nil: no cap.
    public let diskCapBytes: UInt64?
    /// The command history, pruned of sandboxes that are gone at each reconcile and reap.
    public let history: CommandHistory?
    let metrics: ServerMetrics
    let logger: Logger
    /// Seconds since the epoch; replaceable in tests.
    let now: @Sendable () -> Int64
    /// How often a reconcile pass runs besides the sweeps (the first runs at once).
    public var reconcileInterval: Duration = Self.defaultReconcileInterval
    public static let defaultReconcileInterval: Duration = .seconds(60)

    public init(
        manager: SandboxManager, interval: Duration, metrics: ServerMetrics = ServerMetrics(),
        logger: Logger = Logger(label: "sandbox-server.janitor", factory: { _ in SwiftLogNoOpLogHandler() }),
        concurrency: Int = 4, diskCapBytes: UInt64? = nil, history: CommandHistory? = nil
    ) {
        self.init(
            manager: manager, interval: interval, metrics: metrics, logger: logger, concurrency: concurrency,
            diskCapBytes: diskCapBytes, history: history
        ) { Int64(Date().timeIntervalSince1970) }
    }

    init(
        manager: SandboxManager, interval: Duration, metrics: ServerMetrics, logger: Logger, concurrency: Int = 4,
        diskCapBytes: UInt64? = nil, history: CommandHistory? = nil, now: @escaping @Sendable () -> Int64
    ) {
        self.diskCapBytes = diskCapBytes
        self.history = history
        self.manager = manager
        self.interval = interval
        self.concurrency = max(1, concurrency)
        self.metrics = metrics
        self.logger = logger
        self.now = now
    }

    public func run() async throws {
        let clock = ContinuousClock()
        var lastReconcile: ContinuousClock.Instant?
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            if lastReconcile.map({ clock.now - $0 >= reconcileInterval }) ?? true {
                await reconcile()
                lastReconcile = clock.now
            }
            await sweep()
            await enforceDiskCap()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }

    /// One pass: destroys every expired sandbox, up to ``concurrency`` at once, and returns their
    /// names, sorted.
    @discardableResult
    public func sweep() async -> [String] {
        let sandboxes: [SandboxSummary]
        do {
            sandboxes = try await manager.list()
        } catch {
            logger.warning("cannot list sandboxes", metadata: ["error": "\(error)"])
            metrics.failure("reap", code: error.code)
            return []
        }
        let now = now()
        // Saturating: a TTL of Int64.max read back from a domain means "never", not a trap.
        let expired = sandboxes.filter { sandbox in
            guard sandbox.ttlSeconds != nil, let expiry = sandbox.expiresAt else { return false }
            return expiry <= now
        }
        var reaped: [String] = []
        await withTaskGroup(of: String?.self) { group in
            var waiting = expired.makeIterator()
            for _ in 0..<concurrency {
                guard let sandbox = waiting.next() else { break }
                group.addTask { await reap(sandbox) }
            }
            for await name in group {
                if let name { reaped.append(name) }
                if let sandbox = waiting.next() { group.addTask { await reap(sandbox) } }
            }
        }
        return reaped.sorted()
    }

    /// One reconcile pass; what it removed or could not remove is logged.
    @discardableResult
    public func reconcile() async -> ReconcileReport? {
        do {
            let report = try await manager.reconcile()
            if let history {
                let kept = Set(try await manager.list().map(\.uuid))
                _ = try? await history.prune(keeping: kept)
            }
            if !report.removedNothing || !report.failures.isEmpty {
                logger.notice(
                    "reconciled",
                    metadata: [
                        "removedDomains": "\(report.removedDomains)",
                        "removedJobFolders": "\(report.removedJobFolders)",
                        "removedTemporaryFiles": "\(report.removedTemporaryFiles.count)",
                        "removedDHCPReservations": "\(report.removedDHCPReservations)",
                        "failures": "\(report.failures)",
                    ])
            }
            return report
        } catch {
            metrics.failure("reconcile", code: error.code)
            logger.warning("cannot reconcile", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// Stops the running sandboxes over ``diskCapBytes``; the names of those stopped, sorted.
    @discardableResult
    public func enforceDiskCap() async -> [String] {
        guard let diskCapBytes else { return [] }
        do {
            let violations = try await manager.enforceDiskCap(maxBytes: diskCapBytes)
            for _ in violations { metrics.failure("disk_cap", code: .tooLarge) }
            return violations.filter(\.stopped).map(\.name).sorted()
        } catch {
            metrics.failure("disk_cap", code: error.code)
            logger.warning("cannot check the sandboxes' disk usage", metadata: ["error": "\(error)"])
            return []
        }
    }

    /// Destroys one expired sandbox; its name, or nil when the destroy failed.
    private func reap(_ sandbox: SandboxSummary) async -> String? {
        do {
            try await manager.destroy(try SandboxName(sandbox.name))
            metrics.sandboxDestroyed(.ttl)
            try? await history?.remove(sandboxUUID: sandbox.uuid)
            logger.info(
                "destroyed expired sandbox",
                metadata: ["sandbox": "\(sandbox.name)", "ttl": "\(sandbox.ttlSeconds.map(String.init) ?? "")"])
            return sandbox.name
        } catch {
            metrics.failure("reap", code: error.code)
            logger.warning(
                "cannot destroy expired sandbox", metadata: ["sandbox": "\(sandbox.name)", "error": "\(error)"])
            return nil
        }
    }
}

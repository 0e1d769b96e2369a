import Foundation
import Logging
import SandboxCore
import ServiceLifecycle

/// Destroys this owner's sandboxes once `created_at + ttl_seconds` has passed, checking every
/// `interval`. A `Service`: it runs until the task is cancelled or the service group shuts down
/// gracefully, and finishes the sweep it is in first. A failed destroy is logged, counted
/// (`sandbox_failures_total{operation="reap"}`) and retried on the next sweep.
public struct TTLJanitor: Service {
    public let manager: SandboxManager
    public let interval: Duration
    let metrics: ServerMetrics
    let logger: Logger
    /// Seconds since the epoch; replaceable in tests.
    let now: @Sendable () -> Int64

    public init(
        manager: SandboxManager, interval: Duration, metrics: ServerMetrics = ServerMetrics(),
        logger: Logger = Logger(label: "sandbox-server.janitor", factory: { _ in SwiftLogNoOpLogHandler() })
    ) {
        self.init(manager: manager, interval: interval, metrics: metrics, logger: logger) {
            Int64(Date().timeIntervalSince1970)
        }
    }

    init(
        manager: SandboxManager, interval: Duration, metrics: ServerMetrics, logger: Logger,
        now: @escaping @Sendable () -> Int64
    ) {
        self.manager = manager
        self.interval = interval
        self.metrics = metrics
        self.logger = logger
        self.now = now
    }

    public func run() async throws {
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            await sweep()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }

    /// One pass: destroys every expired sandbox and returns their names.
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
        var reaped: [String] = []
        for sandbox in sandboxes {
            // Saturating: a TTL of Int64.max read back from a domain means "never", not a trap.
            guard let ttl = sandbox.ttlSeconds, let expiry = sandbox.expiresAt, expiry <= now else { continue }
            do {
                try await manager.destroy(try SandboxName(sandbox.name))
                metrics.sandboxDestroyed(.ttl)
                reaped.append(sandbox.name)
                logger.info("destroyed expired sandbox", metadata: ["sandbox": "\(sandbox.name)", "ttl": "\(ttl)"])
            } catch {
                metrics.failure("reap", code: error.code)
                logger.warning(
                    "cannot destroy expired sandbox", metadata: ["sandbox": "\(sandbox.name)", "error": "\(error)"])
            }
        }
        return reaped
    }
}

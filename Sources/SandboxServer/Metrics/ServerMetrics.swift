import Metrics
import SandboxCore

/// The service's own metrics, made through a swift-metrics factory (the process's
/// `MetricsSystem.factory` unless one is passed, e.g. a per-test Prometheus registry):
///
/// | metric | dimensions | meaning |
/// |---|---|---|
/// | `sandbox_http_requests_total` | `route` (template, e.g. `/v1/sandboxes/{id}`), `method`, `status` | requests |
/// | `sandbox_http_request_duration_seconds` (timer) | `route`, `method` | time per request |
/// | `sandbox_api_creates_total` | | sandboxes a `POST /v1/sandboxes` made |
/// | `sandbox_api_destroys_total` | `reason`: `api` (a `DELETE`) or `ttl` (the janitor) | sandboxes the service destroyed |
/// | `sandbox_failures_total` | `operation` (`create`, `destroy`, `start`, `run`, `ip`, `reap` …), `code` | failed operations |
///
/// The server's ``SandboxCore/SandboxManager`` reports its own metrics (``SandboxCore/SandboxMetrics``:
/// `sandbox_creates_total{result}`, `sandbox_destroys_total{result}` …) into the same factory, so
/// no name here is one the library uses: a Prometheus registry traps on a name used both with and
/// without labels, and one name with two label sets would make one muddled family.
///
/// A value over a `Sendable` factory; safe to share.
public struct ServerMetrics: Sendable {
    public let factory: any MetricsFactory

    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
    }

    func recordRequest(route: String, method: String, status: Int, nanoseconds: Int64) {
        Counter(
            label: "sandbox_http_requests_total",
            dimensions: [("route", route), ("method", method), ("status", String(status))], factory: factory
        ).increment()
        Timer(
            label: "sandbox_http_request_duration_seconds", dimensions: [("route", route), ("method", method)],
            factory: factory
        ).recordNanoseconds(nanoseconds)
    }

    func sandboxCreated() {
        Counter(label: "sandbox_api_creates_total", factory: factory).increment()
    }

    /// Why a sandbox was destroyed.
    enum DestroyReason: String {
        case api
        case ttl
    }

    func sandboxDestroyed(_ reason: DestroyReason) {
        Counter(label: "sandbox_api_destroys_total", dimensions: [("reason", reason.rawValue)], factory: factory)
            .increment()
    }

    func failure(_ operation: String, code: SandboxError.Code) {
        Counter(
            label: "sandbox_failures_total", dimensions: [("operation", operation), ("code", code.rawValue)],
            factory: factory
        ).increment()
    }

    /// Runs `body`, counting a failure of `operation` with the error's API code when it throws.
    func counting<T>(_ operation: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            failure(operation, code: Self.code(of: error))
            throw error
        }
    }

    static func code(of error: any Error) -> SandboxError.Code {
        switch error {
        case let error as SandboxError: error.code
        case let error as APIError: error.code
        default: .internalError
        }
    }
}

import CoreMetrics

/// What a ``SandboxManager`` reports through swift-metrics. The library never bootstraps the
/// metrics system: the application does (e.g. with swift-prometheus), or passes a factory.
///
/// | Label | Kind | Dimensions | Meaning |
/// |---|---|---|---|
/// | `sandbox_creates_total` | counter | `result` = `ok`/`failed` | creates |
/// | `sandbox_prepare_seconds` | timer | | host side of a create: overlay, seed, define |
/// | `sandbox_boot_to_ip_seconds` | timer | | domain started → address known |
/// | `sandbox_ip_wait_seconds` | timer | `result` = `ok`/`timeout`/`failed` | one wait for an address |
/// | `sandbox_ip_timeouts_total` | counter | | waits that ran out of time |
/// | `sandbox_cloud_init_total` | counter | `result` = `success`/`failure` | finished cloud-init runs seen |
/// | `sandbox_destroys_total` | counter | `result` = `ok`/`failed` | destroys |
///
/// An application that reports metrics of its own into the same registry must not reuse these
/// names with other dimensions (a Prometheus registry traps on a name both with and without
/// labels); `sandbox-server`'s own are listed in its README.
///
/// A value type; safe to share.
public struct SandboxMetrics: Sendable {
    /// The factory metrics are made with; nil uses the global `MetricsSystem.factory` at the time
    /// of each report (a no-op until the application bootstraps one).
    public var factory: (any MetricsFactory)?
    /// Prepended to every label, e.g. `"myservice_"`.
    public var prefix: String

    public init(factory: (any MetricsFactory)? = nil, prefix: String = "") {
        self.factory = factory
        self.prefix = prefix
    }

    private var resolved: any MetricsFactory { factory ?? MetricsSystem.factory }

    func created(ok: Bool) { count("sandbox_creates_total", ["result": ok ? "ok" : "failed"]) }

    func prepared(in duration: Duration) { time("sandbox_prepare_seconds", duration) }

    func bootToIP(_ duration: Duration) { time("sandbox_boot_to_ip_seconds", duration) }

    func ipWait(_ duration: Duration, result: String) {
        time("sandbox_ip_wait_seconds", duration, ["result": result])
        if result == "timeout" { count("sandbox_ip_timeouts_total") }
    }

    func cloudInit(succeeded: Bool) {
        count("sandbox_cloud_init_total", ["result": succeeded ? "success" : "failure"])
    }

    func destroyed(ok: Bool) { count("sandbox_destroys_total", ["result": ok ? "ok" : "failed"]) }

    private func count(_ label: String, _ dimensions: [String: String] = [:]) {
        Counter(label: prefix + label, dimensions: dimensions.sorted { $0.key < $1.key }, factory: resolved)
            .increment()
    }

    private func time(_ label: String, _ duration: Duration, _ dimensions: [String: String] = [:]) {
        Timer(label: prefix + label, dimensions: dimensions.sorted { $0.key < $1.key }, factory: resolved)
            .recordNanoseconds(Self.nanoseconds(duration))
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

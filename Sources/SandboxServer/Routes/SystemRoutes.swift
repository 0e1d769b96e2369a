import Hummingbird
import SandboxCore

/// `GET /v1/health` (libvirt answers) and `GET /metrics` (Prometheus text exposition).
struct SystemRoutes: Sendable {
    let manager: SandboxManager
    /// Renders the metrics in Prometheus text format; nil leaves `/metrics` out.
    let metricsText: (@Sendable () -> String)?

    func register(on router: Router<SandboxRequestContext>) {
        router.get("v1/health") { _, _ in try await health() }
        if let metricsText {
            router.get("metrics") { _, _ in
                Response(
                    status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                    body: .init(byteBuffer: ByteBuffer(string: metricsText())))
            }
        }
    }

    /// 200 `{"status": "ok"}` when a libvirt call succeeds, else 503 `{"status": "unavailable"}`.
    func health() async throws -> Response {
        let domains = await manager.domains
        let uri = (domains as? LibvirtConnection)?.uri
        do throws(SandboxError) {
            _ = try await domains.listDomains()
        } catch {
            return try JSONResponse.make(
                HealthResponse(status: "unavailable", libvirtURI: uri, message: error.message),
                status: .serviceUnavailable)
        }
        return try JSONResponse.make(HealthResponse(status: "ok", libvirtURI: uri, message: nil))
    }
}

import Hummingbird
import SandboxCore

/// `GET /v1/health` (libvirt answers) and `GET /metrics` (Prometheus text exposition).
struct SystemRoutes: Sendable {
    let manager: SandboxManager
    /// Renders the metrics in Prometheus text format; nil leaves `/metrics` out.
    let metricsText: (@Sendable () -> String)?

    func register(on router: Router<SandboxRequestContext>) {
        router.get("v1/health") { _, context in try await health(detailed: context.tenant != nil) }
        if let metricsText {
            router.get("metrics") { _, context in
                guard try context.requireTenant().isAdmin else {
                    throw APIError(status: .forbidden, code: .forbidden, message: "/metrics is for admin keys only")
                }
                return Response(
                    status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                    body: .init(byteBuffer: ByteBuffer(string: metricsText())))
            }
        }
    }

    /// 200 `{"status": "ok"}` when a libvirt call succeeds, else 503 `{"status": "unavailable"}`.
    /// `detailed` (an authenticated caller) adds the libvirt URI and libvirt's error: a URI may name
    /// a user and a host, which a caller without a key need not learn.
    ///
    /// Against libvirt the call is `virConnectGetLibVersion`, a round trip to the daemon that takes
    /// no domain's lock: libvirtd holds every domain list for as long as any domain is being
    /// destroyed (1.6–2.5 s measured on Debian 12's libvirt 9.0, without a guest at all), so a
    /// health check that listed domains would answer late whenever a sandbox is being deleted.
    func health(detailed: Bool) async throws -> Response {
        let domains = await manager.domains
        let connection = domains as? LibvirtConnection
        let uri = detailed ? connection?.uri : nil
        do throws(SandboxError) {
            if let connection {
                _ = try await connection.libvirtVersion()
            } else {
                _ = try await domains.listDomains()
            }
        } catch {
            return try JSONResponse.make(
                HealthResponse(status: "unavailable", libvirtURI: uri, message: detailed ? error.message : nil),
                status: .serviceUnavailable)
        }
        return try JSONResponse.make(HealthResponse(status: "ok", libvirtURI: uri, message: nil))
    }
}

import Hummingbird

/// The request context of every route: Hummingbird's core context, the tenant the request acts for
/// (set by ``AuthMiddleware``) and the request's id (set by ``ErrorMiddleware``, returned in the
/// `X-Request-Id` header and in error bodies, and attached to every log line of the request).
public struct SandboxRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Who the request acts for; nil only before ``AuthMiddleware`` ran (and on `/v1/health`).
    public var tenant: Tenant?
    /// A random id that ties a response to the server's log.
    public var requestID: String = ""

    public init(source: Source) {
        self.coreContext = .init(source: source)
    }

    /// The tenant, or a 401 when authentication did not run (a route registered outside it).
    func requireTenant() throws(APIError) -> Tenant {
        guard let tenant else { throw APIError.unauthenticated() }
        return tenant
    }
}

import Foundation
import Hummingbird

/// Authenticates every request but `GET /v1/health` and records its tenant in the context.
///
/// With keys: `Authorization: Bearer KEY` must name a key of ``APIKeys``, else 401 (the same answer
/// for a missing, malformed or unknown key). Without keys (the server then listens on loopback
/// only) every request acts as ``Tenant/localOperator``. `/v1/health`, `/v1/openapi.json` and
/// `/docs` (however the path is spelt:
/// the router also matches `/v1/health/` and `//v1/health`) needs no key; a valid one still sets
/// the tenant, which shows the health details. Routes decide what a tenant may do
/// (`/metrics` is for admins only, checked by its route so that no spelling of the path gets past).
///
/// It also refuses request bodies that are not JSON (415): a browser page can send `text/plain` or
/// a form to a local port without asking first, but not `application/json`.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = SandboxRequestContext
    let keys: APIKeys?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        var context = context
        let found: Tenant?
        if let keys {
            found = Self.bearerToken(request.headers[.authorization]).flatMap(keys.tenant(forKey:))
        } else {
            found = .localOperator
        }
        if DocsRoutes.publicPaths.contains(Self.normalized(request.uri.path)) {
            context.tenant = found
            return try await next(request, context)
        }
        guard let tenant = found else { throw APIError.unauthenticated() }
        if Self.hasBody(request), !Self.isJSON(request.headers[.contentType]) {
            throw APIError(
                status: .unsupportedMediaType, code: .invalidArgument,
                message: "request bodies must be JSON (Content-Type: application/json)")
        }
        context.tenant = tenant
        context.logger[metadataKey: "tenant"] = .string(tenant.name)
        return try await next(request, context)
    }

    /// `path` as the router matches it: empty segments (`//`, a trailing `/`) dropped.
    static func normalized(_ path: String) -> String {
        "/" + path.split(separator: "/", omittingEmptySubsequences: true).joined(separator: "/")
    }

    /// The token of `Bearer TOKEN` (scheme case-insensitive), or nil.
    static func bearerToken(_ header: String?) -> String? {
        guard let header, header.utf8.count <= APIKeys.maxKeyBytes + 16 else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }

    /// Whether the request announces a body (a non-zero length, or chunked).
    static func hasBody(_ request: Request) -> Bool {
        if let length = request.headers[.contentLength] { return length.trimmingCharacters(in: .whitespaces) != "0" }
        return request.headers[.transferEncoding] != nil
    }

    /// `application/json`, with or without parameters such as `charset=utf-8`.
    static func isJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let mediaType = contentType.split(separator: ";", maxSplits: 1)[0].trimmingCharacters(in: .whitespaces)
        return mediaType.lowercased() == "application/json"
    }
}

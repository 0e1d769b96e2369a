import Hummingbird

/// Refuses a request body over ``ServerPolicy/maxRequestBodyBytes`` with 413 `too_large`: at once
/// when `Content-Length` says so, else while reading it (a chunked body stops being read at the
/// limit). The body is collected here, so a route reads it from memory.
struct BodyLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    let maxBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        if let text = request.headers[.contentLength] {
            // A length that does not even fit in 64 bits is over any limit.
            guard let length = UInt64(text), length <= UInt64(maxBytes) else {
                throw APIError.bodyTooLarge(limit: maxBytes)
            }
        }
        var request = request
        do {
            _ = try await request.collectBody(upTo: maxBytes)
        } catch {
            throw APIError.bodyTooLarge(limit: maxBytes)
        }
        return try await next(request, context)
    }
}

import Hummingbird

/// Counts requests and times them per route template, method and final status. It sits outside
/// ``ErrorMiddleware`` so failed requests are counted with the status the client sees.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        let clock = ContinuousClock()
        let start = clock.now
        var status = 500
        defer {
            let elapsed = clock.now - start
            let nanoseconds =
                elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
            let route = context.endpointPath.map { $0 == "NotFound" ? "unmatched" : $0 } ?? "unmatched"
            metrics.recordRequest(
                route: route, method: request.method.rawValue, status: status, nanoseconds: nanoseconds)
        }
        let response = try await next(request, context)
        status = response.status.code
        return response
    }
}

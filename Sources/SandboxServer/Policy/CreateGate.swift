/// Bounds the creates in flight: ``admitting(tenant:_:)`` takes a place or throws 429 when all
/// ``ServerPolicy/maxConcurrentCreates`` are taken, and gives it back when its body ends. It also
/// counts each tenant's creates in flight, for the per-tenant quota. An actor: shared by every
/// request of one application.
actor CreateGate {
    let limit: Int
    private(set) var inFlight = 0
    private var inFlightByTenant: [String: Int] = [:]

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// The creates in flight besides the caller's: all of them, and the tenant's own.
    struct Others: Sendable, Hashable {
        var all: Int
        var tenant: Int
    }

    /// Runs `body` holding a place, or throws ``APIError/tooManyCreates(limit:)`` at once when all
    /// places are taken. `body` gets the number of other creates in flight.
    func admitting<T: Sendable>(tenant: String, _ body: @Sendable (_ others: Others) async throws -> T) async throws
        -> T
    {
        guard inFlight < limit else { throw APIError.tooManyCreates(limit: limit) }
        let others = Others(all: inFlight, tenant: inFlightByTenant[tenant, default: 0])
        inFlight += 1
        inFlightByTenant[tenant, default: 0] += 1
        defer {
            inFlight = max(0, inFlight - 1)
            let left = inFlightByTenant[tenant, default: 1] - 1
            inFlightByTenant[tenant] = left > 0 ? left : nil
        }
        return try await body(others)
    }
}

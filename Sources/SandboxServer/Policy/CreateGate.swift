/// Bounds the creates in flight: ``enter()`` takes a place or answers false when all
/// ``ServerPolicy/maxConcurrentCreates`` are taken; ``leave()`` gives it back. An actor: shared by
/// every request of one application.
actor CreateGate {
    let limit: Int
    private(set) var inFlight = 0

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Takes a place; false when there is none (the caller answers 429).
    func enter() -> Bool {
        guard inFlight < limit else { return false }
        inFlight += 1
        return true
    }

    func leave() {
        inFlight = max(0, inFlight - 1)
    }

    /// Runs `body` holding a place, or throws ``APIError/tooManyCreates(limit:)`` at once when all
    /// places are taken. `body` gets the number of other creates in flight.
    func admitting<T: Sendable>(_ body: @Sendable (_ othersInFlight: Int) async throws -> T) async throws -> T {
        guard enter() else { throw APIError.tooManyCreates(limit: limit) }
        let others = inFlight - 1
        defer { leave() }
        return try await body(others)
    }
}

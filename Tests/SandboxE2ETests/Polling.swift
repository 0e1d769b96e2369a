/// Polls until `body` returns a value or `timeout` passes; nil on timeout.
func poll<T: Sendable>(
    timeout: Duration, every interval: Duration = .milliseconds(500), _ body: () async throws -> T?
) async throws -> T? {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if let value = try await body() { return value }
        try await Task.sleep(for: interval)
    }
    return nil
}

/// Runs `body` in a task of its own and waits for its result at most until `deadline`.
///
/// Returns `nil` when the deadline (or the caller's cancellation) comes first; the task is then
/// cancelled and left to end by itself: the caller does not wait for it. For work whose duration a
/// guest decides, such as guest agent calls before a sandbox is destroyed.
func waitAtMost<Value: Sendable>(
    until deadline: ContinuousClock.Instant, _ body: @escaping @Sendable () async -> Value
) async -> Value? {
    let (results, continuation) = AsyncStream.makeStream(of: Value?.self, bufferingPolicy: .bufferingOldest(1))
    let work = Task {
        continuation.yield(await body())
        continuation.finish()
    }
    let timer = Task {
        try? await Task.sleep(until: deadline, clock: .continuous)
        continuation.yield(nil)
        continuation.finish()
    }
    var iterator = results.makeAsyncIterator()
    let first = await iterator.next() ?? nil
    timer.cancel()
    if first == nil { work.cancel() }
    return first
}

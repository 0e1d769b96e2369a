import Foundation

/// Commands and files inside a sandbox, through its guest agent (no network needed). Each method
/// is a shortcut for the same call on ``SandboxManager/agent(for:)``; all are nonisolated and
/// safe to call concurrently.
///
/// `exec`, `run` and `stream` wait for a guest agent that is not connected yet (a sandbox still
/// booting) within the call's ``GuestAgentClient/ExecOptions/timeout`` unless
/// ``GuestAgentClient/ExecOptions/waitForAgent`` is false; see there.
extension SandboxManager {
    /// Runs `path` with `arguments` in the sandbox; see ``GuestAgentClient/exec(_:_:options:)``.
    /// Waits for the guest agent first as ``GuestAgentClient/ExecOptions/waitForAgent`` says.
    nonisolated public func exec(
        in name: SandboxName, _ path: String, _ arguments: [String] = [],
        options: GuestAgentClient.ExecOptions = .init()
    ) async throws(SandboxError) -> GuestAgentClient.ExecResult {
        let client = client(name)
        let remaining = try await Self.awaitAgent(client, options: options, for: path)
        return try await client.exec(path, arguments, options: remaining)
    }

    /// Runs `command` with `/bin/sh -c` in the sandbox; see ``GuestAgentClient/run(_:options:)``.
    /// Waits for the guest agent first as ``GuestAgentClient/ExecOptions/waitForAgent`` says.
    nonisolated public func run(
        in name: SandboxName, _ command: String, options: GuestAgentClient.ExecOptions = .init()
    ) async throws(SandboxError) -> GuestAgentClient.ExecResult {
        try await exec(in: name, "/bin/sh", ["-c", command], options: options)
    }

    /// Runs `path` in the sandbox, handing each output event to `onEvent` as it comes; see
    /// ``GuestAgentClient/exec(_:_:options:onEvent:)``. Waits for the guest agent first as
    /// ``GuestAgentClient/ExecOptions/waitForAgent`` says.
    nonisolated public func exec(
        in name: SandboxName, _ path: String, _ arguments: [String] = [],
        options: GuestAgentClient.ExecOptions = .init(), onEvent: (GuestAgentClient.ExecEvent) -> Void
    ) async throws(SandboxError) -> GuestAgentClient.ExecResult {
        let client = client(name)
        let remaining = try await Self.awaitAgent(client, options: options, for: path)
        return try await client.exec(path, arguments, options: remaining, onEvent: onEvent)
    }

    /// Runs `path` in the sandbox, delivering output while it runs; see
    /// ``GuestAgentClient/stream(_:_:options:)``. Waits for the guest agent first as
    /// ``GuestAgentClient/ExecOptions/waitForAgent`` says (before the first event).
    nonisolated public func stream(
        in name: SandboxName, _ path: String, _ arguments: [String] = [],
        options: GuestAgentClient.ExecOptions = .init()
    ) -> AsyncThrowingStream<GuestAgentClient.ExecEvent, any Error> {
        let client = client(name)
        let (stream, continuation) = AsyncThrowingStream.makeStream(
            of: GuestAgentClient.ExecEvent.self, throwing: (any Error).self)
        let task = Task {
            do throws(SandboxError) {
                let remaining = try await Self.awaitAgent(client, options: options, for: path)
                try await client.streamed(path, arguments, options: remaining) { continuation.yield($0) }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// Reads a file from the sandbox; nil when it cannot be opened. See
    /// ``GuestAgentClient/readFile(_:maxBytes:)``. Does not wait for the agent: call
    /// ``waitForAgent(of:timeout:)`` first on a sandbox that may still be booting.
    nonisolated public func readFile(_ path: String, in name: SandboxName, maxBytes: Int = 16 << 20)
        async throws(SandboxError) -> Data?
    {
        try await client(name).readFile(path, maxBytes: maxBytes)
    }

    /// Writes a file into the sandbox; see ``GuestAgentClient/writeFile(_:contents:mode:)``. Does
    /// not wait for the agent: call ``waitForAgent(of:timeout:)`` first on a sandbox that may
    /// still be booting.
    nonisolated public func writeFile(_ path: String, in name: SandboxName, contents: Data, mode: Int? = nil)
        async throws(SandboxError)
    {
        try await client(name).writeFile(path, contents: contents, mode: mode)
    }

    /// Waits until the sandbox's guest agent answers; see
    /// ``GuestAgentClient/waitForAgent(timeout:interval:)``.
    nonisolated public func waitForAgent(of name: SandboxName, timeout: Duration = .seconds(120))
        async throws(SandboxError)
    {
        try await client(name).waitForAgent(timeout: timeout)
    }

    nonisolated private func client(_ name: SandboxName) -> GuestAgentClient {
        GuestAgentClient(domains: domains, domain: name.value)
    }

    /// With ``GuestAgentClient/ExecOptions/waitForAgent``, pings the agent until it answers
    /// (every ``GuestAgentClient/ExecOptions/maxPollInterval``) and returns `options` with the
    /// time left of their timeout. Only "not connected" is waited out: any other error (no
    /// channel, not running, no driver support, no such domain) is thrown at once, as is a
    /// bad option. Pinging first, rather than retrying a failed `guest-exec`, never runs a
    /// command twice.
    static func awaitAgent(
        _ client: GuestAgentClient, options: GuestAgentClient.ExecOptions, for path: String
    ) async throws(SandboxError) -> GuestAgentClient.ExecOptions {
        guard options.waitForAgent else { return options }
        try options.validate()
        let clock = ContinuousClock()
        let deadline = clock.now + options.timeout
        while true {
            do {
                _ = try await client.call("guest-ping", timeoutSeconds: 2)
                break
            } catch {
                guard AgentAvailability(error) == .notConnected else { throw error }
                guard clock.now < deadline else {
                    throw SandboxError(
                        .timeout,
                        "the guest agent of \(client.domain) did not connect within \(options.timeout) "
                            + "(the guest may still be booting, or qemu-guest-agent is not installed or not "
                            + "running in it); \(path) was not run",
                        underlying: error.underlying)
                }
            }
            try await client.pause(
                for: min(options.maxPollInterval, deadline - clock.now),
                "waiting for the guest agent of \(client.domain)")
        }
        var remaining = options
        remaining.timeout = deadline - clock.now
        guard remaining.timeout > .zero else {
            throw SandboxError(
                .timeout,
                "the guest agent of \(client.domain) connected only as \(options.timeout) ran out; "
                    + "\(path) was not run")
        }
        return remaining
    }
}

import Foundation

/// Commands and files inside a sandbox, through its guest agent (no network needed). Each method
/// is a shortcut for the same call on ``SandboxManager/agent(for:)``; all are nonisolated and
/// safe to call concurrently.
extension SandboxManager {
    /// Runs `path` with `arguments` in the sandbox; see ``GuestAgentClient/exec(_:_:options:)``.
    nonisolated public func exec(
        in name: SandboxName, _ path: String, _ arguments: [String] = [],
        options: GuestAgentClient.ExecOptions = .init()
    ) async throws(SandboxError) -> GuestAgentClient.ExecResult {
        try await client(name).exec(path, arguments, options: options)
    }

    /// Runs `command` with `/bin/sh -c` in the sandbox; see ``GuestAgentClient/run(_:options:)``.
    nonisolated public func run(
        in name: SandboxName, _ command: String, options: GuestAgentClient.ExecOptions = .init()
    ) async throws(SandboxError) -> GuestAgentClient.ExecResult {
        try await client(name).run(command, options: options)
    }

    /// Runs `path` in the sandbox, delivering output while it runs; see
    /// ``GuestAgentClient/stream(_:_:options:)``.
    nonisolated public func stream(
        in name: SandboxName, _ path: String, _ arguments: [String] = [],
        options: GuestAgentClient.ExecOptions = .init()
    ) -> AsyncThrowingStream<GuestAgentClient.ExecEvent, any Error> {
        client(name).stream(path, arguments, options: options)
    }

    /// Reads a file from the sandbox; nil when it cannot be opened. See
    /// ``GuestAgentClient/readFile(_:maxBytes:)``.
    nonisolated public func readFile(_ path: String, in name: SandboxName, maxBytes: Int = 16 << 20)
        async throws(SandboxError) -> Data?
    {
        try await client(name).readFile(path, maxBytes: maxBytes)
    }

    /// Writes a file into the sandbox; see ``GuestAgentClient/writeFile(_:contents:mode:)``.
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
}

import SandboxCore

/// Commands in a sandbox over SSH instead of the guest agent: for bases without
/// qemu-guest-agent. The sandbox must have been made with SSH access
/// (``SandboxCore/UserData/allowSSH(from:)`` on its request), so its metadata holds the login
/// user and the host key to pin; the address comes from discovery.
extension SandboxManager {
    /// Where SSH reaches the sandbox: its address (waited for within `timeout` while it boots)
    /// and its recorded ``SSHEndpoint``. `.sshUnavailable` when it was made without SSH access.
    public func sshTarget(of name: SandboxName, timeout: Duration = .seconds(60)) async throws(SandboxError)
        -> SSHTarget
    {
        guard let endpoint = try await sshEndpoint(of: name) else {
            throw SandboxError(
                .sshUnavailable,
                "sandbox \(name) was made without SSH access (its seed installed no host key to pin); "
                    + "use the guest agent, or create it with SSH access")
        }
        if let known = try await ipAddress(of: name) { return SSHTarget(address: known.address, endpoint: endpoint) }
        let found = try await waitForIP(of: name, timeout: timeout)
        return SSHTarget(address: found.address, endpoint: endpoint)
    }

    /// Runs `command` with `/bin/sh -c` in the sandbox over SSH; see ``SSHCommandRunner``. One
    /// deadline (`options.timeout`) covers finding the address, connecting and the command.
    public func runOverSSH(
        in name: SandboxName, _ command: String, identity: SSHIdentity,
        options: GuestAgentClient.ExecOptions = .init()
    ) async throws(SandboxError) -> GuestAgentClient.ExecResult {
        let (target, remaining) = try await targetAndRemaining(name, options: options)
        return try await SSHCommandRunner.run(command, on: target, identity: identity, options: remaining)
    }

    /// Runs `command` in the sandbox over SSH, delivering output as it comes; see
    /// ``SSHCommandRunner/stream(_:on:identity:options:)``.
    nonisolated public func streamOverSSH(
        in name: SandboxName, _ command: String, identity: SSHIdentity,
        options: GuestAgentClient.ExecOptions = .init()
    ) -> AsyncThrowingStream<GuestAgentClient.ExecEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(
            of: GuestAgentClient.ExecEvent.self, throwing: (any Error).self)
        let task = Task {
            do {
                let (target, remaining) = try await targetAndRemaining(name, options: options)
                for try await event in SSHCommandRunner.stream(
                    command, on: target, identity: identity, options: remaining)
                {
                    continuation.yield(event)
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    private func targetAndRemaining(_ name: SandboxName, options: GuestAgentClient.ExecOptions)
        async throws(SandboxError) -> (SSHTarget, GuestAgentClient.ExecOptions)
    {
        try options.validate()
        let clock = ContinuousClock()
        let start = clock.now
        let target = try await sshTarget(of: name, timeout: options.timeout)
        var remaining = options
        remaining.timeout = options.timeout - (clock.now - start)
        guard remaining.timeout > .zero else {
            throw SandboxError(
                .timeout, "finding the address of \(name) took all of \(options.timeout); nothing was run")
        }
        return (target, remaining)
    }
}

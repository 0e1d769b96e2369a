import Foundation
import SandboxCore
import SandboxSSH

extension SandboxService {
    /// One step of a streamed run: output as it comes, then the command's record.
    public enum RunEvent: Sendable {
        case stdout(Data)
        case stderr(Data)
        /// The command ended: its record, as ``run(_:in:tenant:)`` returns it (and the history
        /// keeps it). The last event.
        case finished(CommandRecord)
    }

    /// Starts `body` like ``run(_:in:tenant:)``, but hands its output over while it runs. Returns
    /// once the command started: the checks, and the wait for a booting guest's agent (within
    /// `timeout_sec`, which also bounds the command) fail here, as `run` would. What follows, an
    /// error of the command included (its timeout, a lost agent), comes through the stream.
    ///
    /// The record keeps the first ``CommandHistory/maxStoredOutputBytes`` of each stream
    /// (`metadata.truncated` when more came); the events carry all of it, up to the library's
    /// output bound (the command is killed past it). A consumer that stops iterating (a client
    /// gone) ends the command in the guest.
    public func stream(_ body: RunCommandRequest, in summary: SandboxSummary, tenant: Tenant) async throws
        -> AsyncThrowingStream<RunEvent, any Error>
    {
        let timeout = try body.validatedTimeout(max: policy.maxRunTimeoutSeconds)
        let environment = try body.validatedEnvironment()
        let user = try body.validatedUser()
        let name = try SandboxName(summary.name)
        let started = Date()
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        let transport = try body.validatedTransport()
        let shellCommand = RunCommandRequest.shellCommand(body.command, user: user)
        let events: AsyncThrowingStream<GuestAgentClient.ExecEvent, any Error>
        switch transport {
        case .agent:
            do throws(SandboxError) {
                try await manager.waitForAgent(of: name, timeout: timeout)
            } catch {
                throw APIError(error)
            }
            let left = deadline - clock.now
            guard left > .zero else {
                throw APIError(
                    SandboxError(.timeout, "the guest agent connected, but no time was left to run the command"))
            }
            var options = GuestAgentClient.ExecOptions(timeout: left, environment: environment)
            options.waitForAgent = false
            events = manager.stream(in: name, "/bin/sh", ["-c", shellCommand], options: options)
        case .ssh:
            let identity = try requireSSHIdentity()
            // The address and the SSH endpoint are found first, so their errors answer as JSON.
            let target: SSHTarget
            do throws(SandboxError) {
                target = try await manager.sshTarget(of: name, timeout: timeout)
            } catch {
                throw APIError(error)
            }
            let left = deadline - clock.now
            guard left > .zero else {
                throw APIError(SandboxError(.timeout, "the sandbox's address was found, but no time was left"))
            }
            events = SSHCommandRunner.stream(
                shellCommand, on: target, identity: identity,
                options: GuestAgentClient.ExecOptions(timeout: left, environment: environment))
        }
        let service = self
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: RunEvent.self, throwing: (any Error).self)
        let task = Task {
            var kept = KeptOutput(limit: CommandHistory.maxStoredOutputBytes)
            do {
                var exit = GuestAgentClient.ExecResult(exitCode: nil)
                for try await event in events {
                    switch event {
                    case .stdout(let data):
                        kept.stdout.append(data, keeping: kept.limit)
                        continuation.yield(.stdout(data))
                    case .stderr(let data):
                        kept.stderr.append(data, keeping: kept.limit)
                        continuation.yield(.stderr(data))
                    case .exit(let result):
                        exit = result
                    }
                }
                let record = try await service.recordRun(
                    body.command, in: summary, tenant: tenant, user: user, environment: environment, started: started,
                    stdout: String(decoding: kept.stdout.bytes, as: UTF8.self),
                    stderr: String(decoding: kept.stderr.bytes, as: UTF8.self), exit: exit, truncated: kept.truncated)
                continuation.yield(.finished(record))
                continuation.finish()
            } catch let error as SandboxError {
                continuation.finish(throwing: APIError(error))
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }
}

/// The head of a command's two output streams, each kept up to `limit` bytes.
private struct KeptOutput {
    struct Head {
        var bytes = Data()
        var cut = false

        mutating func append(_ data: Data, keeping limit: Int) {
            let room = limit - bytes.count
            if data.count > room { cut = true }
            if room > 0 { bytes.append(data.prefix(room)) }
        }
    }

    let limit: Int
    var stdout = Head()
    var stderr = Head()
    var truncated: Bool { stdout.cut || stderr.cut }
}

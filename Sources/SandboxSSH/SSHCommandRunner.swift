import Foundation
import NIOCore
import NIOPosix
import NIOSSH
import SandboxCore

/// Runs shell commands in a guest over SSH (swift-nio-ssh): the transport for guests without a
/// QEMU guest agent, and the original system's way. One connection per command, authenticated
/// with an ``SSHIdentity`` and accepted only when the server presents a pinned host key.
///
/// The options mean what they mean for the guest agent (``GuestAgentClient/ExecOptions``):
/// `timeout` covers connecting and the command; with `waitForAgent` a guest whose SSH server is
/// not up yet (refused, unreachable, key not installed yet) is retried every second within that
/// timeout, and the command is never sent twice; `killProcessGroup` runs it under the guest's
/// `timeout -s KILL`, which kills everything it started when the time is up; `stdin` is sent and
/// then closed; `environment` is exported before the command (added to the login environment).
/// Only IP addresses on a directly attached network (a route without a gateway, as a sandbox's
/// bridge is) or loopback are connected to; any other is `.sshUnavailable` before a packet leaves.
/// Errors: `.sshUnavailable` (nothing was run), `.hostKeyMismatch`, `.timeout`, `.tooLarge`,
/// `.invalidArgument`.
public enum SSHCommandRunner {
    /// Runs `command` with `/bin/sh -c` and returns its output and exit status.
    public static func run(
        _ command: String, on target: SSHTarget, identity: SSHIdentity,
        options: GuestAgentClient.ExecOptions = .init()
    ) async throws(SandboxError) -> GuestAgentClient.ExecResult {
        var stdout = Data()
        var stderr = Data()
        do {
            for try await event in stream(command, on: target, identity: identity, options: options) {
                switch event {
                case .stdout(let data): stdout.append(data)
                case .stderr(let data): stderr.append(data)
                case .exit(var result):
                    result.stdoutData = stdout
                    result.stderrData = stderr
                    return result
                }
            }
        } catch let error as SandboxError {
            throw error
        } catch {
            throw SandboxError(.sshUnavailable, "SSH to \(target.host) failed: \(error)")
        }
        throw SandboxError(.sshUnavailable, "SSH to \(target.host) ended without the command's exit status")
    }

    /// Runs `command` with `/bin/sh -c`, delivering output as it comes, then the exit.
    /// Cancelling the consumer closes the connection.
    public static func stream(
        _ command: String, on target: SSHTarget, identity: SSHIdentity,
        options: GuestAgentClient.ExecOptions = .init()
    ) -> AsyncThrowingStream<GuestAgentClient.ExecEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(
            of: GuestAgentClient.ExecEvent.self, throwing: (any Error).self)
        let task = Task {
            do throws(SandboxError) {
                try await execute(command, on: target, identity: identity, options: options, into: continuation)
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// The pause between two connection attempts while the guest's SSH server is not up.
    static let retryInterval: Duration = .seconds(1)
    /// The longest a TCP connect may take in one attempt.
    static let connectTimeout: Duration = .seconds(10)
    /// How long after the command's timeout the client waits for the guest's `timeout` to report.
    static let killGrace: Duration = .seconds(5)

    private static func execute(
        _ command: String, on target: SSHTarget, identity: SSHIdentity, options: GuestAgentClient.ExecOptions,
        into continuation: AsyncThrowingStream<GuestAgentClient.ExecEvent, any Error>.Continuation
    ) async throws(SandboxError) {
        try options.validate()
        let keys = try target.pinnedKeys()
        try OnLinkCheck.require(target.host)
        _ = try SSHRemoteCommand.render(command, environment: options.environment, killAfter: nil)
        let clock = ContinuousClock()
        let deadline = clock.now + options.timeout
        var attempt = 0
        while true {
            attempt += 1
            let remaining = deadline - clock.now
            let outcome = await connectAndRun(
                command, on: target, keys: keys, identity: identity, options: options, timeout: remaining,
                continuation: continuation)
            guard case .notStarted(let error) = outcome else { return }
            let left = deadline - clock.now
            guard options.waitForAgent, left > .zero, error.code != .invalidArgument, !Task.isCancelled else {
                if error.code == .sshUnavailable, options.waitForAgent, left <= .zero {
                    throw SandboxError(
                        .timeout,
                        "SSH to \(target.user)@\(target.host):\(target.port) did not work within \(options.timeout) "
                            + "(\(attempt) attempts; last: \(error.message)); the command was not run")
                }
                throw error
            }
            do {
                try await Task.sleep(for: min(retryInterval, left))
            } catch {
                throw SandboxError(.cancelled, "SSH to \(target.host) was cancelled; the command was not run")
            }
        }
    }

    private enum Outcome {
        /// The command was handed to the guest; its result went to the stream.
        case ran
        /// Nothing was run: connecting, the host key or the login failed.
        case notStarted(SandboxError)
    }

    private static func connectAndRun(
        _ command: String, on target: SSHTarget, keys: [NIOSSHPublicKey], identity: SSHIdentity,
        options: GuestAgentClient.ExecOptions, timeout: Duration,
        continuation: AsyncThrowingStream<GuestAgentClient.ExecEvent, any Error>.Continuation
    ) async -> Outcome {
        guard timeout > .zero else {
            return .notStarted(SandboxError(.sshUnavailable, "no time left to connect to \(target.host)"))
        }
        let recorder = FirstErrorRecorder()
        let user = target.user
        let host = target.host
        let privateKey = identity.nioKey
        let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.nanoseconds(Int64(nanoseconds(min(timeout, connectTimeout)))))
            .channelOption(ChannelOptions.socket(SocketOptionLevel(IPPROTO_TCP), TCP_NODELAY), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let ssh = NIOSSHHandler(
                        role: .client(
                            .init(
                                userAuthDelegate: KeyOfferDelegate(user: user, key: privateKey),
                                serverAuthDelegate: PinnedHostKeysDelegate(keys: keys, host: host))),
                        allocator: channel.allocator, inboundChildChannelInitializer: nil)
                    try channel.pipeline.syncOperations.addHandler(ssh)
                    try channel.pipeline.syncOperations.addHandler(recorder)
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: target.host, port: target.port).get()
        } catch {
            return .notStarted(
                SandboxError(.sshUnavailable, "cannot connect to \(target.host):\(target.port): \(describe(error))"))
        }
        let commandTimeout = timeout
        let killWrapped = options.killProcessGroup
        let remote: String
        do {
            remote = try SSHRemoteCommand.render(
                command, environment: options.environment, killAfter: killWrapped ? commandTimeout : nil)
        } catch {
            channel.close(promise: nil)
            return .notStarted(error)
        }
        let done = channel.eventLoop.makePromise(of: Void.self)
        let sink = ExecSink(
            continuation: continuation, maxOutputBytes: options.maxOutputBytes, timeout: commandTimeout,
            killWrapped: killWrapped, describe: "the command in \(target.host)", done: done)
        let opened = channel.eventLoop.makePromise(of: (any Channel).self)
        let stdin = options.stdin
        channel.eventLoop.execute {
            do {
                let ssh = try channel.pipeline.syncOperations.handler(type: NIOSSHHandler.self)
                ssh.createChannel(opened, channelType: .session) { child, _ in
                    child.eventLoop.makeCompletedFuture {
                        try child.pipeline.syncOperations.addHandler(
                            ExecChannelHandler(command: remote, stdin: stdin, sink: sink))
                    }
                }
            } catch {
                opened.fail(error)
            }
        }
        let clientDeadline = killWrapped ? commandTimeout + killGrace : commandTimeout
        let timer = channel.eventLoop.scheduleTask(in: .nanoseconds(Int64(nanoseconds(clientDeadline)))) {
            sink.timedOut()
            opened.fail(SSHFailure(SandboxError(.sshUnavailable, "SSH to \(host) did not get a session in time")))
            channel.close(promise: nil)
        }
        defer {
            timer.cancel()
            channel.close(promise: nil)
        }
        do {
            _ = try await opened.futureResult.get()
        } catch {
            done.succeed(())  // no session, so no sink to complete it
            let first = recorder.first.withLock { $0 } ?? error
            let sandboxError =
                (first as? SSHFailure)?.error
                ?? SandboxError(.sshUnavailable, "SSH to \(user)@\(host) failed: \(describe(first))")
            return .notStarted(sandboxError)
        }
        // The command is with the guest now: whatever happens, it is not tried again.
        try? await done.futureResult.get()
        return .ran
    }

    private static func nanoseconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return max(1, Double(parts.seconds) * 1e9 + Double(parts.attoseconds) / 1e9)
    }

    private static func describe(_ error: any Error) -> String {
        if let failure = error as? SSHFailure { return failure.error.message }
        if let error = error as? IOError { return error.description }
        return String(describing: error)
    }
}

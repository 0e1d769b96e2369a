import Foundation
import NIOCore
import NIOSSH
import SandboxCore
import Synchronization

/// Offers the identity's key, once: a second request means the guest refused it.
final class KeyOfferDelegate: NIOSSHClientUserAuthenticationDelegate, @unchecked Sendable {
    private let user: String
    private let key: NIOSSHPrivateKey
    private var offered = false

    init(user: String, key: NIOSSHPrivateKey) {
        self.user = user
        self.key = key
    }

    func nextAuthenticationType(
        availableMethods: NIOSSHAvailableUserAuthenticationMethods,
        nextChallengePromise: EventLoopPromise<NIOSSHUserAuthenticationOffer?>
    ) {
        guard !offered, availableMethods.contains(.publicKey) else {
            nextChallengePromise.fail(
                SSHFailure(
                    SandboxError(
                        .sshUnavailable,
                        offered
                            ? "the guest refused the key for user \(user) (not in its authorized_keys yet, or the user does not exist)"
                            : "the guest's SSH server does not accept public keys")))
            return
        }
        offered = true
        nextChallengePromise.succeed(
            NIOSSHUserAuthenticationOffer(username: user, serviceName: "", offer: .privateKey(.init(privateKey: key))))
    }
}

/// Accepts exactly the pinned host keys.
struct PinnedHostKeysDelegate: NIOSSHClientServerAuthenticationDelegate {
    let keys: [NIOSSHPublicKey]
    let host: String

    func validateHostKey(hostKey: NIOSSHPublicKey, validationCompletePromise: EventLoopPromise<Void>) {
        if keys.contains(hostKey) {
            validationCompletePromise.succeed(())
        } else {
            validationCompletePromise.fail(
                SSHFailure(
                    SandboxError(
                        .hostKeyMismatch,
                        "\(host) presented SSH host key \(String(openSSHPublicKey: hostKey).prefix(80)), not the "
                            + "sandbox's own: something else answers at its address; nothing was sent")))
        }
    }
}

/// A ``SandboxError`` travelling through NIO's error paths.
struct SSHFailure: Error {
    let error: SandboxError
    init(_ error: SandboxError) { self.error = error }
}

/// Keeps the first error the connection's pipeline saw (a refused key, a wrong host key), which
/// explains the channel failures that follow it.
final class FirstErrorRecorder: ChannelInboundHandler, Sendable {
    typealias InboundIn = Any
    let first = Mutex<(any Error)?>(nil)

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        first.withLock { if $0 == nil { $0 = error } }
        context.close(promise: nil)
    }
}

/// What one command produced, handed to the caller's stream as it comes; lives on the
/// connection's event loop.
final class ExecSink: @unchecked Sendable {
    private let continuation: AsyncThrowingStream<GuestAgentClient.ExecEvent, any Error>.Continuation
    private let maxOutputBytes: Int
    private let timeout: Duration
    private let killWrapped: Bool
    private let describe: String
    private var started: ContinuousClock.Instant?
    private var outputBytes = 0
    private var exitCode: Int?
    private var signal: Int?
    private var failure: SandboxError?
    let done: EventLoopPromise<Void>

    init(
        continuation: AsyncThrowingStream<GuestAgentClient.ExecEvent, any Error>.Continuation, maxOutputBytes: Int,
        timeout: Duration, killWrapped: Bool, describe: String, done: EventLoopPromise<Void>
    ) {
        self.continuation = continuation
        self.maxOutputBytes = maxOutputBytes
        self.timeout = timeout
        self.killWrapped = killWrapped
        self.describe = describe
        self.done = done
    }

    func execStarted() { started = ContinuousClock().now }

    /// Output; false when it goes over the limit (the channel is then closed).
    func output(_ data: Data, stderr: Bool) -> Bool {
        outputBytes += data.count
        guard outputBytes <= maxOutputBytes else {
            fail(
                SandboxError(
                    .tooLarge,
                    "\(describe) wrote more than \(maxOutputBytes) bytes of output; the connection was closed"))
            return false
        }
        if !data.isEmpty { continuation.yield(stderr ? .stderr(data) : .stdout(data)) }
        return true
    }

    func exited(code: Int) { exitCode = code }
    func signalled(_ name: String) { signal = SSHRemoteCommand.signalNumber(name) ?? 0 }

    func fail(_ error: SandboxError) {
        if failure == nil { failure = error }
    }

    func timedOut() {
        fail(SandboxError(.timeout, "\(describe) did not finish within \(timeout); the SSH connection was closed"))
    }

    /// The channel closed: report how the command ended.
    func finish() {
        defer { done.succeed(()) }
        if let failure { return continuation.finish(throwing: failure) }
        // `timeout -s KILL` signals its whole process group, itself included: the session ends by
        // KILL (or, from a shell in between, with status 137).
        let killed = signal == 9 || (signal == nil && exitCode == SSHRemoteCommand.killedStatus)
        if killWrapped, killed, let started, ContinuousClock().now - started >= timeout {
            return continuation.finish(
                throwing: SandboxError(.timeout, "\(describe) did not finish within \(timeout) and was killed"))
        }
        guard exitCode != nil || signal != nil else {
            return continuation.finish(
                throwing: SandboxError(
                    .sshUnavailable, "the SSH session of \(describe) ended without an exit status (connection lost?)"))
        }
        continuation.yield(.exit(GuestAgentClient.ExecResult(exitCode: signal == nil ? exitCode : nil, signal: signal)))
        continuation.finish()
    }
}

/// One `session` channel: sends the `exec` request, then standard input and EOF, and hands
/// output and the exit status to its ``ExecSink``.
final class ExecChannelHandler: ChannelDuplexHandler {
    typealias InboundIn = SSHChannelData
    typealias OutboundIn = SSHChannelData
    typealias OutboundOut = SSHChannelData

    private let command: String
    private let stdin: Data?
    private let sink: ExecSink

    init(command: String, stdin: Data?, sink: ExecSink) {
        self.command = command
        self.stdin = stdin
        self.sink = sink
    }

    func handlerAdded(context: ChannelHandlerContext) {
        context.channel.setOption(ChannelOptions.allowRemoteHalfClosure, value: true).whenFailure { [sink] error in
            sink.fail(SandboxError(.sshUnavailable, "cannot set up the SSH channel: \(error)"))
        }
    }

    func channelActive(context: ChannelHandlerContext) {
        let request = SSHChannelRequestEvent.ExecRequest(command: command, wantReply: true)
        // Counted from the request: the guest's `timeout` starts later, so a kill it reports
        // always comes at least the timeout after this.
        sink.execStarted()
        context.triggerUserOutboundEvent(request, promise: nil)
        context.fireChannelActive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case is ChannelSuccessEvent:
            if let stdin, !stdin.isEmpty {
                var buffer = context.channel.allocator.buffer(capacity: stdin.count)
                buffer.writeBytes(stdin)
                context.write(wrapOutboundOut(SSHChannelData(type: .channel, data: .byteBuffer(buffer))), promise: nil)
            }
            context.flush()
            context.close(mode: .output, promise: nil)
        case is ChannelFailureEvent:
            sink.fail(SandboxError(.sshUnavailable, "the guest's SSH server refused to run the command"))
            context.close(promise: nil)
        case let status as SSHChannelRequestEvent.ExitStatus:
            sink.exited(code: status.exitStatus)
        case let signal as SSHChannelRequestEvent.ExitSignal:
            sink.signalled(signal.signalName)
        case ChannelEvent.inputClosed:
            break
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let message = unwrapInboundIn(data)
        guard case .byteBuffer(var buffer) = message.data else { return }
        let bytes = Data(buffer.readBytes(length: buffer.readableBytes) ?? [])
        switch message.type {
        case .channel:
            if !sink.output(bytes, stderr: false) { context.close(promise: nil) }
        case .stdErr:
            if !sink.output(bytes, stderr: true) { context.close(promise: nil) }
        default:
            break
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        sink.fail((error as? SSHFailure)?.error ?? SandboxError(.sshUnavailable, "SSH channel failed: \(error)"))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        sink.finish()
        context.fireChannelInactive()
    }
}

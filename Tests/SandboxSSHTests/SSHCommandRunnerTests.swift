import Foundation
import SandboxCore
import Testing

@testable import SandboxSSH

/// ``SSHCommandRunner`` against OpenSSH's real sshd on loopback (``LoopbackSSHServer``): what a
/// guest's sshd does, without a guest.
@Suite(
    .serialized, .timeLimit(.minutes(1)),
    .enabled(if: LoopbackSSHServer.available, "needs /usr/sbin/sshd (openssh-server)"))
struct SSHCommandRunnerTests {
    let identity = SSHIdentity.generate()

    func withServer(_ body: (LoopbackSSHServer) async throws -> Void) async throws {
        let server = try await LoopbackSSHServer.start()
        defer { server.stop() }
        try server.authorize(identity)
        try await body(server)
    }

    func expectError(
        _ code: SandboxError.Code, _ body: () async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation
    ) async -> SandboxError? {
        do {
            try await body()
            Issue.record("expected \(code), got success", sourceLocation: sourceLocation)
        } catch let error as SandboxError {
            #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
            return error
        } catch {
            Issue.record("expected a SandboxError \(code), got \(error)", sourceLocation: sourceLocation)
        }
        return nil
    }

    @Test func runsACommandWithItsOutputAndExitStatus() async throws {
        try await withServer { server in
            let result = try await SSHCommandRunner.run(
                "echo out; echo err >&2; id -un; exit 3", on: server.target(), identity: identity)
            #expect(result.exitCode == 3)
            #expect(result.signal == nil)
            #expect(result.stdout == "out\n\(server.user)\n")
            #expect(result.stderr == "err\n")
        }
    }

    @Test func feedsStandardInputThenEOF() async throws {
        try await withServer { server in
            let result = try await SSHCommandRunner.run(
                "wc -c; cat /dev/null", on: server.target(), identity: identity,
                options: .init(stdin: Data("hello\nworld\n".utf8)))
            #expect(result.stdout.trimmingCharacters(in: .whitespaces) == "12\n")
            // Without stdin, the command reads EOF at once instead of hanging.
            let empty = try await SSHCommandRunner.run(
                "cat; echo done", on: server.target(), identity: identity, options: .init(timeout: .seconds(10)))
            #expect(empty.stdout == "done\n")
        }
    }

    @Test func exportsTheEnvironmentQuotedAsGiven() async throws {
        try await withServer { server in
            let value = "it's $HOME; `x` \"y\"\nz"
            let result = try await SSHCommandRunner.run(
                "printf %s \"$GREETING\"", on: server.target(), identity: identity,
                options: .init(environment: ["GREETING": value]))
            #expect(result.stdout == value)
            await _ = expectError(.invalidArgument) {
                _ = try await SSHCommandRunner.run(
                    "true", on: server.target(), identity: identity, options: .init(environment: ["A;touch x": "1"]))
            }
        }
    }

    @Test func streamsOutputAsItComes() async throws {
        try await withServer { server in
            var events: [GuestAgentClient.ExecEvent] = []
            for try await event in SSHCommandRunner.stream(
                "echo one; sleep 0.3; echo two >&2; exit 0", on: server.target(), identity: identity)
            {
                events.append(event)
            }
            #expect(events.first == .stdout(Data("one\n".utf8)))
            #expect(events.contains(.stderr(Data("two\n".utf8))))
            #expect(events.last == .exit(GuestAgentClient.ExecResult(exitCode: 0)))
        }
    }

    @Test func reportsASignal() async throws {
        try await withServer { server in
            let result = try await SSHCommandRunner.run("kill -TERM $$", on: server.target(), identity: identity)
            #expect(result.signal == 15)
            #expect(result.exitCode == nil)
            #expect(result.shellStatus == 143)
        }
    }

    /// The timeout kills the command's whole process group, not just the shell: a background job
    /// that would write a file after the timeout never does.
    @Test func timeoutKillsEverythingTheCommandStarted() async throws {
        try await withServer { server in
            let marker = server.folder + "/late"
            let clock = ContinuousClock()
            let start = clock.now
            await _ = expectError(.timeout) {
                _ = try await SSHCommandRunner.run(
                    "(sleep 3; touch \(marker)) & sleep 30", on: server.target(), identity: identity,
                    options: .init(timeout: .seconds(1)))
            }
            #expect(clock.now - start < .seconds(30))
            try await Task.sleep(for: .seconds(4))
            #expect(!FileManager.default.fileExists(atPath: marker), "the background job outlived the timeout")
        }
    }

    @Test func outputOverTheLimitIsTooLarge() async throws {
        try await withServer { server in
            await _ = expectError(.tooLarge) {
                _ = try await SSHCommandRunner.run(
                    "head -c 200000 /dev/zero", on: server.target(), identity: identity,
                    options: .init(maxOutputBytes: 1000))
            }
        }
    }

    /// A server with another host key is someone else: nothing is sent to it.
    @Test func anotherHostKeyIsRefusedAndNothingRuns() async throws {
        try await withServer { server in
            let marker = server.folder + "/ran"
            let error = await expectError(.hostKeyMismatch) {
                _ = try await SSHCommandRunner.run(
                    "touch \(marker)", on: server.target(hostKeys: [SSHHostKey.generateEd25519().publicKey]),
                    identity: identity, options: .init(waitForAgent: false))
            }
            #expect(error?.message.contains("127.0.0.1") == true)
            #expect(!FileManager.default.fileExists(atPath: marker))
            // Waiting does not turn a wrong key into a right one: the wait ends as a timeout.
            await _ = expectError(.timeout) {
                _ = try await SSHCommandRunner.run(
                    "touch \(marker)", on: server.target(hostKeys: [SSHHostKey.generateEd25519().publicKey]),
                    identity: identity, options: .init(timeout: .seconds(2)))
            }
            #expect(!FileManager.default.fileExists(atPath: marker))
        }
    }

    @Test func aKeyTheGuestDoesNotKnowIsRefused() async throws {
        try await withServer { server in
            let error = await expectError(.sshUnavailable) {
                _ = try await SSHCommandRunner.run(
                    "true", on: server.target(), identity: SSHIdentity.generate(), options: .init(waitForAgent: false))
            }
            #expect(error?.message.contains("refused the key") == true, "\(String(describing: error))")
        }
    }

    @Test func nothingListeningIsUnavailableOrATimeoutWhenWaiting() async throws {
        let port = try LoopbackSSHServer.freePort()
        let target = SSHTarget(
            host: "127.0.0.1", port: port, user: "root", hostKeys: [SSHHostKey.generateEd25519().publicKey])
        await _ = expectError(.sshUnavailable) {
            _ = try await SSHCommandRunner.run(
                "true", on: target, identity: identity, options: .init(waitForAgent: false))
        }
        let error = await expectError(.timeout) {
            _ = try await SSHCommandRunner.run(
                "true", on: target, identity: identity, options: .init(timeout: .seconds(2)))
        }
        #expect(error?.message.contains("attempts") == true)
    }

    /// A server that comes up while the runner waits gets the command, once.
    @Test func waitsForAServerThatIsNotUpYet() async throws {
        let hostKey = SSHHostKey.generateEd25519()
        let port = try LoopbackSSHServer.freePort()
        let identity = self.identity
        let target = SSHTarget(
            host: "127.0.0.1", port: port, user: String(cString: getpwuid(getuid())!.pointee.pw_name),
            hostKeys: [hostKey.publicKey])
        let run = Task {
            try await SSHCommandRunner.run(
                "echo up", on: target, identity: identity, options: .init(timeout: .seconds(20)))
        }
        try await Task.sleep(for: .seconds(1.5))
        let server = try await LoopbackSSHServer.start(hostKey: hostKey, port: port)
        defer { server.stop() }
        try server.authorize(identity)
        let result = try await run.value
        #expect(result.stdout == "up\n")
    }

    @Test func badTargetsAreInvalid() async throws {
        for target in [
            SSHTarget(host: "127.0.0.1", user: "root", hostKeys: []),
            SSHTarget(host: "127.0.0.1", user: "root", hostKeys: ["ssh-ed25519 notbase64!"]),
            SSHTarget(host: "127.0.0.1", port: 0, user: "root", hostKeys: [SSHHostKey.generateEd25519().publicKey]),
            SSHTarget(host: "127.0.0.1", user: "a b", hostKeys: [SSHHostKey.generateEd25519().publicKey]),
        ] {
            await _ = expectError(.invalidArgument) {
                _ = try await SSHCommandRunner.run("true", on: target, identity: identity)
            }
        }
    }
}

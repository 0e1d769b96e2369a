import Foundation
import SandboxCoreTesting
import Testing

@testable import SandboxCore

/// `exec`, `run` and `stream` against a fake qemu-ga.
@Suite struct GuestAgentExecTests {
    static func bytes(_ text: String) -> Data { Data(text.utf8) }

    @Test func execReturnsExitCodeAndDecodedOutput() async throws {
        let agent = FakeGuestAgent { _, _ in
            .init(exitCode: 3, stdout: [Self.bytes("héllo\n")], stderr: [Self.bytes("warn")], pollsBeforeExit: 2)
        }
        let client = GuestAgentClient(domains: agent, domain: "sbx")
        let result = try await client.exec("/usr/bin/printf", ["x"])
        #expect(result.exitCode == 3)
        #expect(result.signal == nil)
        #expect(result.stdout == "héllo\n")
        #expect(result.stdoutData == Self.bytes("héllo\n"))
        #expect(result.stderr == "warn")
        #expect(!result.succeeded)
        #expect(result.shellStatus == 3)
        let started = await agent.started
        #expect(started.map(\.path) == ["/usr/bin/printf"])
        #expect(started.first?.arguments == ["x"])
        // In its own process group by default.
        #expect(await agent.requests.first?.contains("setsid") == true)
    }

    @Test func runUsesTheShell() async throws {
        let agent = FakeGuestAgent()
        let result = try await GuestAgentClient(domains: agent, domain: "sbx").run("echo hi | wc -c")
        #expect(result.succeeded)
        let started = await agent.started
        #expect(started.first?.path == "/bin/sh")
        #expect(started.first?.arguments == ["-c", "echo hi | wc -c"])
    }

    @Test func withoutProcessGroupThePathRunsDirectly() async throws {
        let agent = FakeGuestAgent()
        _ = try await GuestAgentClient(domains: agent, domain: "sbx").exec(
            "/bin/true", options: .init(killProcessGroup: false))
        let request = try #require(await agent.requests.first)
        #expect(request.contains(#""path":"\/bin\/true""#) || request.contains(#""path":"/bin/true""#))
        #expect(!request.contains("setsid"))
    }

    @Test func stdinAndEnvironmentAreSent() async throws {
        let agent = FakeGuestAgent()
        let client = GuestAgentClient(domains: agent, domain: "sbx")
        _ = try await client.exec("/bin/cat", options: .init(stdin: Self.bytes("input"), environment: ["A": "1"]))
        let request = try #require(await agent.requests.first)
        #expect(request.contains(Self.bytes("input").base64EncodedString()))
        #expect(request.contains("A=1"))
        #expect(request.contains("PATH=\\/usr\\/local\\/sbin") || request.contains("PATH=/usr/local/sbin"))
        // The compatibility overload turns NAME=value entries into the same options.
        _ = try await client.exec("/bin/cat", stdin: "x", environment: ["B=2=3"], timeout: .seconds(5))
        #expect(await agent.requests.last(where: { $0.contains("guest-exec\"") })?.contains("B=2=3") == true)
    }

    @Test func badOptionsAreRejectedBeforeAnythingRuns() async throws {
        let agent = FakeGuestAgent()
        let client = GuestAgentClient(domains: agent, domain: "sbx")
        let bad: [GuestAgentClient.ExecOptions] = [
            .init(timeout: .zero), .init(maxOutputBytes: -1), .init(environment: ["A=B": "1"]),
            .init(stdin: Data(count: GuestAgentClient.ExecOptions.maxStdinBytes + 1)),
        ]
        for options in bad {
            await #expect(throws: SandboxError.self) { try await client.exec("/bin/true", options: options) }
        }
        #expect(await agent.commands.isEmpty)
    }

    @Test func timeoutKillsTheProcessGroupAndThrowsTimeout() async throws {
        let agent = FakeGuestAgent { _, _ in .init(pollsBeforeExit: nil) }
        let client = GuestAgentClient(domains: agent, domain: "sbx")
        let error = await #expect(throws: SandboxError.self) {
            try await client.exec("/bin/sleep", ["600"], options: .init(timeout: .milliseconds(200)))
        }
        #expect(error?.code == .timeout)
        #expect(error?.message.contains("killed") == true, "\(String(describing: error))")
        let started = await agent.started
        #expect(await agent.killedPIDs.count == 1)
        #expect(started.first?.killed == true)
        // The kill names the process group (negative pid) as well as the process.
        #expect(await agent.requests.contains { $0.contains("sandboxcore-kill") && $0.contains("-$1") })
        #expect(await agent.running.isEmpty)
    }

    @Test func cancellationKillsTheProcess() async throws {
        let agent = FakeGuestAgent { _, _ in .init(pollsBeforeExit: nil) }
        let client = GuestAgentClient(domains: agent, domain: "sbx")
        let task = Task { () throws(SandboxError) -> GuestAgentClient.ExecResult in
            try await client.exec("/bin/sleep", ["600"])
        }
        try await Task.sleep(for: .milliseconds(100))
        task.cancel()
        let outcome = await task.result
        guard case .failure(let error) = outcome else {
            Issue.record("a cancelled exec returned \(outcome)")
            return
        }
        #expect((error as? SandboxError)?.code == .cancelled, "\(error)")
        #expect(await agent.killedPIDs.count == 1)
    }

    @Test func outputOverTheLimitIsTooLarge() async throws {
        let agent = FakeGuestAgent { _, _ in .init(stdout: [Data(count: 100)]) }
        let client = GuestAgentClient(domains: agent, domain: "sbx")
        let error = await #expect(throws: SandboxError.self) {
            try await client.exec("/bin/big", options: .init(maxOutputBytes: 99))
        }
        #expect(error?.code == .tooLarge)
        #expect(try await client.exec("/bin/big", options: .init(maxOutputBytes: 100)).stdoutData.count == 100)
    }

    @Test func outputTheAgentCutIsTooLarge() async throws {
        let agent = FakeGuestAgent { _, _ in .init(stdout: [Data(count: 10)], outTruncated: true) }
        let error = await #expect(throws: SandboxError.self) {
            try await GuestAgentClient(domains: agent, domain: "sbx").exec("/bin/big")
        }
        #expect(error?.code == .tooLarge)
        #expect(error?.message.contains("16 MiB") == true)
    }

    // MARK: - Streaming

    @Test func streamDeliversChunksInOrderThenTheExit() async throws {
        let agent = FakeGuestAgent { _, _ in
            .init(
                exitCode: 7, stdout: ["one\n", "two\n", "three\n"].map(Self.bytes), stderr: [Self.bytes("oops\n")],
                pollsBeforeExit: 1)
        }
        let client = GuestAgentClient(domains: agent, domain: "sbx")
        var events: [GuestAgentClient.ExecEvent] = []
        for try await event in client.stream("/usr/bin/job", ["--verbose"]) { events.append(event) }
        var stdout = Data()
        var stderr = Data()
        var exits: [GuestAgentClient.ExecResult] = []
        for event in events {
            switch event {
            case .stdout(let data): stdout += data
            case .stderr(let data): stderr += data
            case .exit(let result): exits.append(result)
            }
        }
        #expect(String(decoding: stdout, as: UTF8.self) == "one\ntwo\nthree\n")
        #expect(String(decoding: stderr, as: UTF8.self) == "oops\n")
        #expect(exits.map(\.exitCode) == [7])
        guard case .exit = events.last else {
            Issue.record("the last event is not the exit: \(events)")
            return
        }
        // Output arrived in more than one piece, before the exit: it was streamed.
        #expect(events.count >= 4, "\(events)")
        #expect(await agent.started.first?.arguments == ["--verbose"])
        #expect(await agent.openFiles.isEmpty)
        #expect(await agent.removedFolders.count == 1)
        #expect(await agent.files.isEmpty)
        // Reading past the end needs a seek before the next read (stdio's EOF is sticky).
        #expect(await agent.commands.contains("guest-file-seek"))
    }

    @Test func streamTimeoutKillsAndCleansUp() async throws {
        let agent = FakeGuestAgent { _, _ in .init(stdout: [Self.bytes("tick\n")], pollsBeforeExit: nil) }
        let client = GuestAgentClient(domains: agent, domain: "sbx")
        var received = Data()
        do {
            for try await event in client.stream("/bin/sleep", ["600"], options: .init(timeout: .milliseconds(300))) {
                if case .stdout(let data) = event { received += data }
            }
            Issue.record("the stream ended without an error")
        } catch let error as SandboxError {
            #expect(error.code == .timeout)
        }
        #expect(received == Self.bytes("tick\n"))
        #expect(await agent.killedPIDs.count == 1)
        #expect(await agent.openFiles.isEmpty)
        #expect(await agent.removedFolders.count == 1)
    }

    @Test func streamOverTheLimitKillsAndThrowsTooLarge() async throws {
        let agent = FakeGuestAgent { _, _ in .init(stdout: Array(repeating: Data(count: 64), count: 10)) }
        let client = GuestAgentClient(domains: agent, domain: "sbx")
        var received = 0
        do {
            for try await event in client.stream("/bin/yes", options: .init(maxOutputBytes: 200)) {
                if case .stdout(let data) = event { received += data.count }
            }
            Issue.record("the stream ended without an error")
        } catch let error as SandboxError {
            #expect(error.code == .tooLarge)
        }
        #expect(received <= 200)
        #expect(await agent.killedPIDs.count == 1)
        #expect(await agent.openFiles.isEmpty)
    }

    @Test func streamClosesHandlesWhenAReadFails() async throws {
        let agent = FakeGuestAgent { _, _ in .init(stdout: [Self.bytes("x")], pollsBeforeExit: nil) }
        await agent.setFailing(["guest-file-read"])
        let client = GuestAgentClient(domains: agent, domain: "sbx")
        await #expect(throws: SandboxError.self) {
            for try await _ in client.stream("/bin/cat") {}
        }
        #expect(await agent.openFiles.isEmpty)
        #expect(await agent.killedPIDs.count == 1)
        #expect(await agent.removedFolders.count == 1)
    }

    @Test func execWithACallbackStreams() async throws {
        let agent = FakeGuestAgent { _, _ in .init(exitCode: 0, stdout: ["a", "b"].map(Self.bytes)) }
        let collected = Collected()
        let result = try await GuestAgentClient(domains: agent, domain: "sbx").exec("/bin/ab") { event in
            if case .stdout(let data) = event { collected.append(data) }
        }
        #expect(result.exitCode == 0)
        #expect(collected.data == Self.bytes("ab"))
    }

    // MARK: - Through SandboxManager

    @Test func sandboxManagerRunsCommandsInTheNamedSandbox() async throws {
        let agent = FakeGuestAgent { _, _ in .init(stdout: [Self.bytes("Linux\n")]) }
        let manager = SandboxManager(domains: agent, configuration: .init(jobsRoot: "/nonexistent"))
        let name = try SandboxName("sbx-exec")
        #expect(try await manager.run(in: name, "uname").stdout == "Linux\n")
        #expect(try await manager.exec(in: name, "/bin/uname", ["-a"]).stdout == "Linux\n")
        try await manager.writeFile("/tmp/f", in: name, contents: Self.bytes("data"))
        #expect(try await manager.readFile("/tmp/f", in: name) == Self.bytes("data"))
        try await manager.waitForAgent(of: name, timeout: .seconds(1))
    }
}

/// Collects bytes from a synchronous callback.
final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var storage = Data()
    func append(_ data: Data) { lock.withLock { storage += data } }
    var data: Data { lock.withLock { storage } }
}

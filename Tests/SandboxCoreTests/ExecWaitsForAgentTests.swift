import Foundation
import MetricsTestKit
import SandboxCoreTesting
import Testing

@testable import SandboxCore

/// `SandboxManager.exec/run/stream` wait for a guest agent that is not connected yet, within the
/// call's own timeout; everything else fails at once.
@Suite struct ExecWaitsForAgentTests {
    static let notConnected = GuestAgentFilesTests.notConnected
    static let notConfigured = GuestAgentFilesTests.notConfigured
    static let notRunning = GuestAgentFilesTests.notRunning
    /// Polls quickly so the waits stay short; the timeout is long enough never to be reached.
    static let patient = GuestAgentClient.ExecOptions(timeout: .seconds(600), maxPollInterval: .milliseconds(5))

    static func manager(_ agent: FakeGuestAgent) -> SandboxManager {
        SandboxManager(domains: agent, configuration: .init(jobsRoot: "/nonexistent"))
    }

    @Test func runWaitsUntilTheAgentConnects() async throws {
        let agent = FakeGuestAgent { _, _ in .init(stdout: [Data("Linux\n".utf8)]) }
        await agent.setUnavailable(Self.notConnected, forCommands: 5)
        let result = try await Self.manager(agent).run(in: try SandboxName("sbx-boot"), "uname", options: Self.patient)
        #expect(result.stdout == "Linux\n")
        // The failed pings threw before being recorded: one ping that answered, then the command.
        #expect(await agent.commands.first == "guest-ping")
        #expect(await agent.started.map(\.arguments) == [["-c", "uname"]])
    }

    @Test func anAgentThatNeverConnectsIsATimeoutAndNothingRuns() async throws {
        let agent = FakeGuestAgent()
        await agent.setUnavailable(Self.notConnected)
        let options = GuestAgentClient.ExecOptions(timeout: .milliseconds(200), maxPollInterval: .milliseconds(10))
        let error = await #expect(throws: SandboxError.self) {
            try await Self.manager(agent).exec(in: try SandboxName("sbx-silent"), "/bin/true", options: options)
        }
        #expect(error?.code == .timeout)
        #expect(error?.message.contains("was not run") == true, "\(String(describing: error))")
        #expect(error?.underlying?.code == 86)
        #expect(await agent.started.isEmpty)
    }

    /// No channel, not running: no wait at all (the timeout is far beyond the test's run time, so
    /// a wait would show up as `.timeout`, not `.agentUnavailable`).
    @Test(arguments: [notConfigured, notRunning])
    func whatWillNotChangeFailsAtOnce(error cause: SandboxError) async throws {
        let agent = FakeGuestAgent()
        await agent.setUnavailable(cause)
        let error = await #expect(throws: SandboxError.self) {
            try await Self.manager(agent).run(in: try SandboxName("sbx-nochan"), "true", options: Self.patient)
        }
        #expect(error?.code == .agentUnavailable)
        #expect(error.flatMap(AgentAvailability.init) == AgentAvailability(cause))
        #expect(await agent.started.isEmpty)
    }

    @Test func optingOutFailsAtOnceAsBefore() async throws {
        let agent = FakeGuestAgent()
        await agent.setUnavailable(Self.notConnected, forCommands: 1)
        var options = Self.patient
        options.waitForAgent = false
        let error = await #expect(throws: SandboxError.self) {
            try await Self.manager(agent).run(in: try SandboxName("sbx-optout"), "true", options: options)
        }
        #expect(error?.code == .agentUnavailable)
        #expect(error?.message.contains("not connected") == true)
        // Without the wait, the command itself met the absent agent: no ping was sent.
        #expect(await agent.commands.isEmpty)
    }

    @Test func badOptionsFailBeforeAnyWait() async throws {
        let agent = FakeGuestAgent()
        await agent.setUnavailable(Self.notConnected)
        let error = await #expect(throws: SandboxError.self) {
            try await Self.manager(agent).run(
                in: try SandboxName("sbx-bad"), "true", options: .init(environment: ["A=B": "1"]))
        }
        #expect(error?.code == .invalidArgument)
    }

    @Test func streamAndTheCallbackExecWaitToo() async throws {
        let agent = FakeGuestAgent { _, _ in .init(stdout: [Data("a".utf8), Data("b".utf8)]) }
        let manager = Self.manager(agent)
        let name = try SandboxName("sbx-stream")
        await agent.setUnavailable(Self.notConnected, forCommands: 3)
        var streamed = Data()
        for try await event in manager.stream(in: name, "/bin/ab", options: Self.patient) {
            if case .stdout(let bytes) = event { streamed += bytes }
        }
        #expect(streamed == Data("ab".utf8))

        await agent.setUnavailable(Self.notConnected, forCommands: 3)
        let collected = Collected()
        let result = try await manager.exec(in: name, "/bin/ab", options: Self.patient) { event in
            if case .stdout(let bytes) = event { collected.append(bytes) }
        }
        #expect(result.exitCode == 0)
        #expect(collected.data == Data("ab".utf8))
    }
}

/// A `test:///default` connection whose guest agent is a ``FakeGuestAgent``: the domains are
/// real (state, XML, addresses), the agent's answers are the fake's.
final class FakeAgentDomains: ForwardingDomains, @unchecked Sendable {
    let inner: any DomainManager
    let agent: FakeGuestAgent

    init(_ inner: any DomainManager, agent: FakeGuestAgent) {
        self.inner = inner
        self.agent = agent
    }

    func agentCommand(named name: String, command: String, timeoutSeconds: Int) async throws(SandboxError) -> String {
        try await agent.agentCommand(named: name, command: command, timeoutSeconds: timeoutSeconds)
    }

}

/// Readiness stages on the test driver (no agent) and with a fake agent for cloud-init's.
@Suite struct ReadinessTests {
    @Test func theTestDriverHasNoAgentSoARunningSandboxIsBooting() async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        defer { Task { await host.cleanUp(bases: [base]) } }
        let manager = host.manager()
        let name = try SandboxName("sbx-rd-" + UUID().uuidString.prefix(6).lowercased())
        _ = try await manager.create(SandboxRequest(baseVM: base, name: name))
        let running = try await manager.readiness(of: name)
        #expect(running.stage == .booting)
        #expect(!running.agentAnswers)
        #expect(running.ipAddress != nil)  // the test driver makes one up
        let timedOut = await #expect(throws: SandboxError.self) {
            try await manager.waitUntilReady(of: name, until: .agentUp, timeout: .milliseconds(100))
        }
        #expect(timedOut?.code == .timeout)
        #expect(timedOut?.message.contains("booting") == true)

        try await host.connection.destroy(named: name.value)
        #expect(try await manager.readiness(of: name) == .init(stage: .notRunning))
        let stopped = await #expect(throws: SandboxError.self) {
            try await manager.waitUntilReady(of: name, timeout: .seconds(600))
        }
        #expect(stopped?.code == .notRunning)
        try await manager.destroy(name)
        let missing = await #expect(throws: SandboxError.self) { try await manager.readiness(of: name) }
        #expect(missing?.code == .notFound)
    }

    @Test func cloudInitStagesWithAFakeAgentAndTheMetricCountsOnce() async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        defer { Task { await host.cleanUp(bases: [base]) } }
        let agent = FakeGuestAgent()
        let metrics = TestMetrics()
        let manager = SandboxManager(
            domains: FakeAgentDomains(host.connection, agent: agent),
            configuration: .init(jobsRoot: host.jobsRoot, owner: host.owner), metrics: SandboxMetrics(factory: metrics))
        let name = try SandboxName("sbx-ci-" + UUID().uuidString.prefix(6).lowercased())
        _ = try await manager.create(SandboxRequest(baseVM: base, name: name))

        await agent.setUnavailable(GuestAgentFilesTests.notConnected)
        #expect(try await manager.readiness(of: name).stage == .booting)
        await agent.setUnavailable(nil)
        #expect(try await manager.readiness(of: name).stage == .agentUp)
        #expect(try await manager.waitUntilReady(of: name, until: .agentUp).agentAnswers)

        await agent.setFile("/run/cloud-init/status.json", Data(#"{"v1": {"stage": "modules-config"}}"#.utf8))
        #expect(try await manager.readiness(of: name).stage == .cloudInitRunning)
        let early = await #expect(throws: SandboxError.self) {
            try await manager.waitUntilReady(of: name, until: .cloudInitDone, timeout: .milliseconds(50))
        }
        #expect(early?.code == .timeout)

        let result = #"{"v1": {"datasource": "DataSourceNoCloud [seed=/dev/sr0]", "errors": []}}"#
        await agent.setFile("/run/cloud-init/result.json", Data(result.utf8))
        let done = try await manager.waitUntilReady(of: name, interval: .milliseconds(5))
        #expect(done.stage == .cloudInitDone)
        #expect(done.cloudInit?.datasource == "DataSourceNoCloud [seed=/dev/sr0]")
        #expect(done.isReady)
        _ = try await manager.readiness(of: name)
        #expect(metrics.counterTotal(label: "sandbox_cloud_init_total", dimensions: [("result", "success")]) == 1)

        await agent.setFile("/run/cloud-init/result.json", Data(#"{"v1": {"errors": ["bad module"]}}"#.utf8))
        let failed = try await manager.waitUntilReady(of: name, until: .cloudInitDone)
        #expect(failed.stage == .cloudInitError)
        #expect(failed.cloudInit?.errors == ["bad module"])
        try await manager.destroy(name)
    }

    @Test func stagesAreOrderedAndEncodeAsTheirRawValues() throws {
        typealias Stage = SandboxManager.Readiness.Stage
        #expect(
            Stage.allCases.map(\.rawValue) == [
                "not-running", "booting", "agent-up", "cloud-init-running", "cloud-init-done", "cloud-init-error",
            ])
        #expect(Stage.cloudInitError.hasReached(.cloudInitDone))
        #expect(Stage.cloudInitDone.hasReached(.agentUp))
        #expect(!Stage.booting.hasReached(.agentUp))
        #expect(!Stage.notRunning.hasReached(.booting))
        let json = try JSONEncoder().encode(SandboxManager.Readiness(stage: .agentUp, agentAnswers: true))
        #expect(String(decoding: json, as: UTF8.self).contains(#""stage":"agent-up""#))
        let decoded = try JSONDecoder().decode(SandboxManager.Readiness.self, from: json)
        #expect(decoded.stage == .agentUp)
    }
}

/// The serial console log: read from the path the domain XML names, only inside the jobs root.
@Suite struct ConsoleLogTests {
    @Test func readsTheTailAndWhatComesNext() async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        defer { Task { await host.cleanUp(bases: [base]) } }
        let manager = host.manager()
        let name = try SandboxName("sbx-con-" + UUID().uuidString.prefix(6).lowercased())
        let sandbox = try await manager.create(SandboxRequest(baseVM: base, name: name))
        #expect(try await manager.consoleLog(of: name).data.isEmpty)  // nothing written yet
        try Data("line 1\nline 2\n".utf8).write(to: URL(fileURLWithPath: sandbox.consoleLogPath))
        let all = try await manager.consoleLog(of: name)
        #expect(all.text == "line 1\nline 2\n")
        #expect(all.size == 14)
        let tail = try await manager.consoleLog(of: name, maxBytes: 7)
        #expect(tail.text == "line 2\n")
        #expect(tail.truncated)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: sandbox.consoleLogPath))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("line 3\n".utf8))
        try handle.close()
        #expect(try await manager.consoleLog(of: name, after: all.size).text == "line 3\n")
        // A log shorter than the offset was rewritten: read from the start.
        #expect(try await manager.consoleLog(of: name, after: 1000).text.hasPrefix("line 1"))
        try await manager.destroy(name)
    }

    @Test func aPathOutsideTheJobsRootIsNotRead() throws {
        let name = try SandboxName("sbx-out")
        for path in ["/etc/shadow", "/tmp/jobs/../../etc/shadow", "/tmp/jobsX/sbx/console.log", "relative.log"] {
            let error = #expect(throws: SandboxError.self) {
                try SandboxManager.insideJobsRoot(path, root: "/tmp/jobs", sandbox: name)
            }
            #expect(error?.code == .invalidArgument)
        }
        #expect(
            try SandboxManager.insideJobsRoot("/tmp/jobs/sbx/console.log", root: "/tmp/jobs/", sandbox: name)
                == "/tmp/jobs/sbx/console.log")
    }

    @Test func aSymbolicLinkOutOfTheJobsRootIsNotFollowed() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let root = folder.file("jobs")
        try FileManager.default.createDirectory(atPath: root + "/sbx", withIntermediateDirectories: true)
        let secret = try folder.write("secret", to: "secret.txt")
        try FileManager.default.createSymbolicLink(atPath: root + "/sbx/console.log", withDestinationPath: secret)
        let error = #expect(throws: SandboxError.self) {
            try SandboxManager.insideJobsRoot(root + "/sbx/console.log", root: root, sandbox: try SandboxName("sbx"))
        }
        #expect(error?.code == .invalidArgument)
    }

    @Test func theDomainXMLsConsoleFilesAreFound() {
        let xml = """
            <domain type='kvm'><name>x</name><devices>
              <serial type='pty'><log file='/j/x/pty.log' append='off'/><target port='0'/></serial>
              <serial type='file'><source path='/j/x/file.log'/><target port='1'/></serial>
              <console type='pty'><target type='serial' port='0'/></console>
            </devices></domain>
            """
        #expect(SandboxManager.consoleLogPaths(inDomainXML: xml) == ["/j/x/file.log", "/j/x/pty.log"])
        #expect(SandboxManager.consoleLogPaths(inDomainXML: " ").isEmpty)
    }
}

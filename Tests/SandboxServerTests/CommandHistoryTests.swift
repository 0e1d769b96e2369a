import Foundation
import Hummingbird
import HummingbirdTesting
import SandboxCore
import SandboxCoreTesting
import SandboxServer
import Synchronization
import Testing

/// `POST …/run` in the original's shape, and the command history behind `GET …/commands` and
/// `?include_commands=true`: a scripted guest agent on `test:///default`, a history file that
/// outlives its server.
@Suite struct CommandHistoryTests {
    /// Answers `guest-exec` with exit status 3 for commands containing `fail`, 0 otherwise, and
    /// records each `guest-exec`'s arguments and environment.
    final class RecordingAgent: ForwardingDomains, Sendable {
        let inner: any DomainManager
        private let execs = Mutex<[(arguments: [String], environment: [String])]>([])
        private let lastFails = Mutex(false)
        var executions: [(arguments: [String], environment: [String])] { execs.withLock { $0 } }

        init(_ inner: any DomainManager) { self.inner = inner }

        func agentCommand(named name: String, command: String, timeoutSeconds: Int) async throws(SandboxError)
            -> String
        {
            let object = (try? JSONSerialization.jsonObject(with: Data(command.utf8))) as? [String: Any]
            switch object?["execute"] as? String {
            case "guest-exec":
                let arguments = object?["arguments"] as? [String: Any]
                let args = arguments?["arg"] as? [String] ?? []
                execs.withLock { $0.append((args, arguments?["env"] as? [String] ?? [])) }
                lastFails.withLock { $0 = args.joined(separator: " ").contains("fail") }
                return #"{"return": {"pid": 7}}"#
            case "guest-exec-status":
                let fails = lastFails.withLock { $0 }
                let out = Data((fails ? "" : "done\n").utf8).base64EncodedString()
                let err = Data((fails ? "it failed\n" : "").utf8).base64EncodedString()
                return
                    #"{"return": {"exited": true, "exitcode": \#(fails ? 3 : 0), "out-data": "\#(out)", "err-data": "\#(err)"}}"#
            default:
                return #"{"return": {}}"#
            }
        }
    }

    static func application(
        _ host: ServerTestHost, agent: RecordingAgent, history: CommandHistory
    ) -> some ApplicationProtocol {
        let manager = SandboxManager(
            domains: agent,
            configuration: .init(jobsRoot: host.jobsRoot, owner: host.owner, gracefulShutdownTimeout: .zero))
        return SandboxServerApp.application(
            manager: manager, janitorInterval: nil, metrics: host.metrics, history: history)
    }

    @Test func runsAreRecordedAndSurviveARestart() async throws {
        try await ServerTestHost.with { host in
            let agent = RecordingAgent(host.connection)
            let folder = host.folder + "/state"
            let sandbox = Mutex<SandboxResource?>(nil)
            try await Self.application(host, agent: agent, history: try CommandHistory(folder: folder)).test(.router) {
                client in
                let made = try await client.send(
                    .post, "/v1/sandboxes",
                    json: #"{"agent_id": "t", "source_vm_name": "\#(host.base)", "auto_start": true}"#
                ).sandbox()
                sandbox.withLock { $0 = made }
                let ok = try await client.send(
                    .post, "/v1/sandboxes/\(made.id)/run",
                    json: #"{"command": "echo it's done", "env": {"TOKEN": "s3cret", "LANG": "C"}, "user": "app"}"#)
                #expect(ok.status == .ok, "\(ok.text)")
                let record = try ok.decode(RunCommandResponse.self).command
                #expect(record.id.hasPrefix("CMD-"))
                #expect(record.sandboxID == made.id)
                #expect(record.command == "echo it's done")
                #expect(record.stdout == "done\n")
                #expect(record.exitCode == 0)
                #expect(record.metadata.user == "app")
                #expect(record.envJSON == #"{"LANG":"<redacted>","TOKEN":"<redacted>"}"#)
                #expect(!ok.text.contains("s3cret"))
                #expect(record.startedAt <= record.endedAt)

                // A non-zero exit is still 200 with the command.
                let failed = try await client.send(
                    .post, "/v1/sandboxes/\(made.id)/run", json: #"{"command": "fail now", "timeout_sec": 0}"#)
                #expect(failed.status == .ok, "\(failed.text)")
                let failure = try failed.decode(RunCommandResponse.self).command
                #expect(failure.exitCode == 3)
                #expect(failure.stderr == "it failed\n")
                #expect(failure.metadata.user == "root")
                #expect(failure.envJSON == nil)

                // The user's command went through runuser, quoted; the environment as given.
                let first = try #require(agent.executions.first)
                let script = first.arguments.joined(separator: " ")
                #expect(script.contains(#"runuser -u app -- /bin/sh -c 'echo it'\''s done'"#), "\(first.arguments)")
                #expect(first.environment.contains("TOKEN=s3cret"), "\(first.environment)")

                let shown = try await client.send(.get, "/v1/sandboxes/\(made.id)?include_commands=true")
                    .decode(GetSandboxResponse.self)
                #expect(shown.commands?.map(\.command) == ["echo it's done", "fail now"])
            }

            // A new server on the same state folder still has them.
            let made = try #require(sandbox.withLock { $0 })
            try await Self.application(host, agent: agent, history: try CommandHistory(folder: folder)).test(.router) {
                client in
                let list = try await client.send(.get, "/v1/sandboxes/\(made.id)/commands").decode(CommandList.self)
                #expect(list.total == 2)
                #expect(list.commands.map(\.exitCode) == [0, 3])
                let page = try await client.send(.get, "/v1/sandboxes/\(made.id)/commands?limit=1&offset=1")
                    .decode(CommandList.self)
                #expect(page.commands.map(\.command) == ["fail now"])
                #expect(page.total == 2)

                // Destroyed: its history goes with it.
                #expect(try await client.send(.delete, "/v1/sandboxes/\(made.id)").status == .ok)
            }
            let reopened = try CommandHistory(folder: folder)
            #expect(try await reopened.commands(sandboxUUID: made.uuid, tenant: nil, limit: nil, offset: 0).total == 0)
        }
    }

    @Test(arguments: [
        #"{"command": ""}"#, #"{"command": "true", "user": "root; rm -rf /"}"#, #"{"command": "true", "user": "Bob"}"#,
        #"{"command": "true", "env": {"A B": "x"}}"#, #"{"command": "true", "env": {"1X": "x"}}"#,
        #"{"command": "true", "env": {"X": 5}}"#, #"{"command": "true", "timeout_sec": -1}"#,
        #"{"command": "true", "colour": "red"}"#,
    ])
    func badRunBodiesAre400AndRunNothing(json: String) async throws {
        try await ServerTestHost.with { host in
            let agent = RecordingAgent(host.connection)
            try await Self.application(host, agent: agent, history: .inMemory()).test(.router) { client in
                let made = try await client.send(
                    .post, "/v1/sandboxes",
                    json: #"{"agent_id": "t", "source_vm_name": "\#(host.base)", "auto_start": true}"#
                ).sandbox()
                let reply = try await client.send(.post, "/v1/sandboxes/\(made.id)/run", json: json)
                #expect(reply.status == .badRequest, "\(json): \(reply.text)")
                #expect(agent.executions.isEmpty)
                let list = try await client.send(.get, "/v1/sandboxes/\(made.id)/commands").decode(CommandList.self)
                #expect(list.total == 0)
            }
        }
    }

    /// Output beyond the stored limit is cut in the history (and says so); the prune drops the rows
    /// of sandboxes that are gone; each sandbox keeps at most its limit.
    @Test func theStoreCutsPrunesAndBounds() async throws {
        let history = CommandHistory.inMemory()
        func record(_ command: String, stdout: String = "") -> CommandRecord {
            CommandRecord(
                id: "CMD-" + UUID().uuidString, sandboxID: "SBX-a", command: command, stdout: stdout, stderr: "",
                exitCode: 0, startedAt: "", endedAt: "", envJSON: nil, metadata: .init(user: "root"), signal: nil)
        }
        let big = String(repeating: "é", count: CommandHistory.maxStoredOutputBytes)
        try await history.append(record("big", stdout: big), sandboxUUID: "u1", tenant: "t")
        let stored = try await history.commands(sandboxUUID: "u1", tenant: "t", limit: nil, offset: 0).commands
        #expect(stored.first?.stdout.utf8.count ?? 0 <= CommandHistory.maxStoredOutputBytes)
        #expect(stored.first?.metadata.truncated == true)
        #expect(try await history.commands(sandboxUUID: "u1", tenant: "other", limit: nil, offset: 0).total == 0)

        for index in 0..<(CommandHistory.maxCommandsPerSandbox + 5) {
            try await history.append(record("n\(index)"), sandboxUUID: "u2", tenant: "t")
        }
        let kept = try await history.commands(sandboxUUID: "u2", tenant: nil, limit: 1, offset: 0)
        #expect(kept.total == CommandHistory.maxCommandsPerSandbox)
        #expect(kept.commands.first?.command == "n5")

        #expect(try await history.prune(keeping: ["u2"]) == 1)
        #expect(try await history.commands(sandboxUUID: "u1", tenant: nil, limit: nil, offset: 0).total == 0)
    }
}

import Foundation
import MCP
import SandboxCore
import SandboxMCP
import SandboxServer
import Synchronization
import Testing

/// The MCP tools through a real MCP client session (in-process transport) on `test:///default`,
/// with a scripted guest agent: a sandbox created, listed, written to, read, run in and destroyed;
/// another tenant sees none of it; bad arguments are tool errors that never reach the agent.
@Suite struct MCPToolsTests {
    static let alice = Tenant(name: "alice")
    static let bob = Tenant(name: "bob")

    static func service(_ host: ServerTestHost, _ agent: FileAgentDomains) -> SandboxService {
        SandboxService(
            manager: SandboxManager(
                domains: agent,
                configuration: .init(jobsRoot: host.jobsRoot, owner: host.owner, gracefulShutdownTimeout: .zero)))
    }

    /// Runs `body` with alice's session over a scripted agent on a fresh host, then closes it.
    static func withAlice(
        _ body: (ServerTestHost, FileAgentDomains, SandboxService, MCPSession) async throws -> Void
    ) async throws {
        try await ServerTestHost.with { host in
            let agent = FileAgentDomains(host.connection)
            let service = Self.service(host, agent)
            let session = try await MCPSession.open(SandboxToolbox(service: service, tenant: alice))
            do {
                try await body(host, agent, service, session)
            } catch {
                await session.close()
                throw error
            }
            await session.close()
        }
    }

    /// A running sandbox from the host's base (the test driver hands out no address: not waited
    /// for), and its id.
    static func createSandbox(_ session: MCPSession, _ host: ServerTestHost) async throws -> (MCPAnswer, Value) {
        let created = try await session.call(
            "create_sandbox", ["source_vm_name": .string(host.base), "wait_for_ip": false])
        return (created, .string(try #require(created["id"] as? String, "\(created.text)")))
    }

    @Test func listsEveryTool() async throws {
        try await Self.withAlice { _, _, _, session in
            let tools = try await session.client.listTools().tools
            #expect(tools.map(\.name) == SandboxTool.allCases.map(\.rawValue))
            for tool in tools {
                #expect(tool.inputSchema.objectValue?["type"] == "object", "\(tool.name)")
                #expect(tool.description?.isEmpty == false, "\(tool.name)")
            }
        }
    }

    @Test func aSandboxFromCreateToDestroy() async throws {
        try await Self.withAlice { host, agent, service, session in
            let bobs = try await MCPSession.open(SandboxToolbox(service: service, tenant: Self.bob))

            let bases = try await session.call("list_base_vms")
            let names = (bases["vms"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            #expect(names.contains(host.base), "\(bases.text)")

            let (created, idValue) = try await Self.createSandbox(session, host)
            #expect(!created.isError, "\(created.text)")
            let id = try #require(idValue.stringValue)
            #expect(id.hasPrefix("SBX-"))
            #expect(created["state"] as? String == "RUNNING")
            #expect(created["agent_id"] as? String == "mcp")
            #expect(created["tenant"] as? String == "alice")

            let listed = try await session.call("list_sandboxes")
            #expect((listed["sandboxes"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [id])
            let shown = try await session.call("get_sandbox", ["id": .string(id)])
            #expect((shown["readiness"] as? [String: Any])?["agent"] as? Bool == true, "\(shown.text)")

            let written = try await session.call(
                "write_file", ["id": .string(id), "path": "/etc/motd", "content": "hello\n", "mode": 420])
            #expect(written["size"] as? Int == 6, "\(written.text)")
            #expect(agent.file("/etc/motd") == Data("hello\n".utf8))
            #expect(agent.chmods.last == ["644", "--", "/etc/motd"])
            let read = try await session.call("read_file", ["id": .string(id), "path": "/etc/motd"])
            #expect(read["content"] as? String == "hello\n", "\(read.text)")
            agent.put("/bin/blob", Data([0xff, 0x00, 0xfe]))
            let binary = try await session.call("read_file", ["id": .string(id), "path": "/bin/blob"])
            #expect(binary["content_base64"] as? String == "/wD+", "\(binary.text)")
            #expect(binary["content"] == nil)

            let ran = try await session.call("run_command", ["id": .string(id), "command": "uname -a"])
            #expect(ran["exit_code"] as? Int == 0, "\(ran.text)")
            #expect(agent.chmods.last?.last?.contains("uname -a") == true, "\(agent.chmods)")
            let history = try await service.history.commands(
                sandboxUUID: try #require(created["uuid"] as? String), tenant: nil, limit: nil, offset: 0)
            #expect(history.commands.map(\.command) == ["uname -a"])

            // Bob sees nothing of alice's, and cannot act on it.
            let bobsList = try await bobs.call("list_sandboxes")
            #expect((bobsList["sandboxes"] as? [Any])?.isEmpty == true, "\(bobsList.text)")
            for (tool, arguments) in [
                ("get_sandbox", ["id": Value.string(id)]), ("destroy_sandbox", ["id": .string(id)]),
                ("run_command", ["id": .string(id), "command": "id"]),
                ("read_file", ["id": .string(id), "path": "/etc/motd"]),
            ] {
                let answer = try await bobs.call(tool, arguments)
                #expect(answer.isError && answer.text.hasPrefix("not_found:"), "\(tool): \(answer.text)")
            }

            let destroyed = try await session.call("destroy_sandbox", ["id": .string(id)])
            #expect(destroyed["state"] as? String == "DESTROYED", "\(destroyed.text)")
            let after = try await session.call("list_sandboxes")
            #expect((after["sandboxes"] as? [Any])?.isEmpty == true, "\(after.text)")
            #expect(host.jobsLeft().isEmpty)
            await bobs.close()
        }
    }

    @Test func runCommandReportsItsOutputAsProgressWhenAsked() async throws {
        try await Self.withAlice { host, _, _, session in
            let received = Mutex<[ProgressNotification.Parameters]>([])
            await session.client.onNotification(ProgressNotification.self) { message in
                received.withLock { $0.append(message.params) }
            }
            let (_, id) = try await Self.createSandbox(session, host)

            let answer = try MCPAnswer(
                await session.client.callTool(
                    name: "run_command", arguments: ["id": id, "command": "make"],
                    meta: Metadata(progressToken: .string("run-1"))))
            #expect(answer["exit_code"] as? Int == 0, "\(answer.text)")
            #expect(answer["stdout"] as? String == "streamed €\n", "\(answer.text)")
            #expect(answer["stderr"] as? String == "warned\n", "\(answer.text)")
            // Notifications may trail the result by a moment.
            let clock = ContinuousClock()
            let deadline = clock.now + .seconds(10)
            while received.withLock({ $0.count }) < 2, clock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            let progress = received.withLock { $0 }
            #expect(progress.map(\.message) == ["stdout: streamed €\n", "stderr: warned\n"], "\(progress)")
            #expect(progress.allSatisfy { $0.progressToken == .string("run-1") })
            #expect(progress.map(\.progress) == [13, 20])

            // Without a token: the same answer, no notifications.
            let plain = try await session.call("run_command", ["id": id, "command": "make"])
            #expect(plain["exit_code"] as? Int == 0, "\(plain.text)")
            #expect(received.withLock { $0.count } == 2)
        }
    }

    @Test func badArgumentsAreToolErrorsThatNeverReachTheGuest() async throws {
        try await Self.withAlice { host, agent, _, session in
            let (_, id) = try await Self.createSandbox(session, host)
            let before = agent.requests.count
            let cases: [(String, [String: Value], String)] = [
                ("run_command", ["id": id], "missing field 'command'"),
                ("run_command", ["id": id, "command": "true", "shell": "bash"], "unknown field 'shell'"),
                (
                    "run_command", ["id": id, "command": "true", "timeout_sec": "soon"],
                    "'timeout_sec' must be a number"
                ),
                ("run_command", ["id": id, "command": "true", "timeout_sec": 999_999], "policy_violation"),
                ("read_file", ["id": id, "path": "relative"], "must be absolute"),
                ("read_file", ["id": id, "path": "/a", "content": "x"], "read_file takes"),
                ("write_file", ["id": id, "path": "/a"], "exactly one of"),
                ("write_file", ["id": id, "path": "/a", "content_base64": "%%%"], "not base64"),
                ("write_file", ["id": id, "path": "/a", "content": "x", "mode": 70000], "'mode'"),
                ("get_sandbox", [:], "missing argument 'id'"),
                ("get_sandbox", ["id": 7], "'id' must be a string"),
                ("destroy_sandbox", ["id": id, "force": true], "unknown field 'force'"),
                ("list_sandboxes", ["all": true], "unknown field 'all'"),
                ("create_sandbox", ["source_vm_name": "no-such-base", "wait_for_ip": false], "no-such-base"),
                ("create_sandbox", ["source_vm_name": .string(host.base), "vm_name": "../x"], "invalid_argument"),
            ]
            for (tool, arguments, expected) in cases {
                let answer = try await session.call(tool, arguments)
                #expect(answer.isError, "\(tool) \(arguments): \(answer.text)")
                #expect(answer.text.contains(expected), "\(tool) \(arguments): \(answer.text)")
            }
            #expect(agent.requests.count == before, "a bad call reached the guest agent: \(agent.requests)")
            await #expect(throws: MCPError.self) { _ = try await session.client.callTool(name: "format_disk") }
            let left = try await session.call("list_sandboxes")
            #expect((left["sandboxes"] as? [Any])?.count == 1, "\(left.text)")
        }
    }
}

extension MCPSession {
    /// A session with a ``SandboxMCPServer`` for the toolbox's tenant, over an in-process
    /// `InMemoryTransport` pair.
    static func open(_ toolbox: SandboxToolbox) async throws -> MCPSession {
        let server = await SandboxMCPServer.make(toolbox)
        let (clientSide, serverSide) = await InMemoryTransport.createConnectedPair()
        try await server.start(transport: serverSide)
        let client = Client(name: "sandbox-tests", version: "1")
        _ = try await client.connect(transport: clientSide)
        return MCPSession(client: client, server: server)
    }

}

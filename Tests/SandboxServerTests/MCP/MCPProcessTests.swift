import Foundation
import MCP
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

private let mcpExecutable = ServerProcess.builtExecutable("sandbox-mcp")
private let serverExecutable = ServerProcess.builtExecutable("sandbox-server")

/// The shipped executables with a real MCP client: `sandbox-mcp` as a child process over its
/// stdin and stdout, and `sandbox-server`'s `POST /mcp` over loopback with tenants' keys, both on
/// a `test:///` node file with a base VM.
@Suite(.enabled(if: mcpExecutable != nil && serverExecutable != nil, "sandbox-mcp or sandbox-server is not built"))
struct MCPProcessTests {
    /// `sandbox-mcp` on `host`'s node file, jobs and state folders, with `environment` added.
    static func start(on host: ServerProcessTests.Host, environment: [String: String] = [:]) throws -> MCPProcess {
        var variables = [
            "LIBVIRT_URI": host.uri, "SANDBOX_JOBS_DIR": host.jobs, "SANDBOX_OWNER": "mcp-test",
            "SANDBOX_STATE_DIR": host.folder + "/state", "SANDBOX_ALLOW_MISSING_FILTER": "true",
        ]
        variables.merge(environment) { _, new in new }
        return try MCPProcess(executable: mcpExecutable!, environment: variables, logFolder: host.folder)
    }

    @Test func sandboxMCPOnStdioCreatesListsAndDestroys() async throws {
        let host = try ServerProcessTests.Host()
        defer { host.remove() }
        let server = try Self.start(on: host)
        let client = Client(name: "sandbox-tests", version: "1")
        let initialized = try await client.connect(transport: server.transport())
        #expect(initialized.serverInfo.name == "sandbox-mcp")
        let session = MCPSession(client: client)

        let tools = try await client.listTools().tools.map(\.name)
        #expect(tools.contains("run_command") && tools.contains("create_sandbox"), "\(tools)")
        let bases = try await session.call("list_base_vms")
        #expect((bases["vms"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["base"], "\(bases.text)")
        let created = try await session.call("create_sandbox", ["source_vm_name": "base", "wait_for_ip": false])
        let id = try #require(created["id"] as? String, "\(created.text) \(server.stderr)")
        #expect(created["tenant"] as? String == "local")
        #expect(host.jobsLeft.count == 1)
        let missing = try await session.call("get_sandbox", ["id": "SBX-nope"])
        #expect(missing.isError && missing.text.hasPrefix("not_found:"), "\(missing.text)")
        let destroyed = try await session.call("destroy_sandbox", ["id": .string(id)])
        #expect(destroyed["state"] as? String == "DESTROYED", "\(destroyed.text)")
        #expect(host.jobsLeft.isEmpty)

        await client.disconnect()
        #expect(await server.endSession() == 0, "\(server.stderr)")
        #expect(server.stderr.contains("serving MCP on stdio"), "logs go to stderr: \(server.stderr)")
    }

    @Test func sandboxMCPWithKeysNeedsOneOfThem() async throws {
        let host = try ServerProcessTests.Host()
        defer { host.remove() }
        let keysFile = try TenantProcessTests.writeKeysFile(in: host)
        for (key, expected) in [(nil, "SANDBOX_API_KEY must name"), ("wrong-key", "is not a key")]
            as [(String?, String)]
        {
            var environment = ["SANDBOX_API_KEYS_FILE": keysFile]
            environment["SANDBOX_API_KEY"] = key
            let server = try Self.start(on: host, environment: environment)
            #expect(await server.waitForExit() == 2, "\(server.stderr)")
            #expect(server.stderr.contains(expected), "\(server.stderr)")
        }
        let server = try Self.start(
            on: host,
            environment: ["SANDBOX_API_KEYS_FILE": keysFile, "SANDBOX_API_KEY": TenantProcessTests.keys["bob"]!])
        let client = Client(name: "sandbox-tests", version: "1")
        _ = try await client.connect(transport: server.transport())
        let created = try await MCPSession(client: client).call(
            "create_sandbox", ["source_vm_name": "base", "wait_for_ip": false])
        #expect(created["tenant"] as? String == "bob", "\(created.text)")
        await client.disconnect()
        #expect(await server.endSession() == 0, "\(server.stderr)")
    }

    /// `POST /mcp` of the real server: the same keys as `/v1`, one tenant's sandboxes invisible to
    /// another, and what MCP made visible through `/v1` (one service behind both).
    @Test func sandboxServerServesMCPOverHTTPBehindItsKeys() async throws {
        let host = try ServerProcessTests.Host()
        defer { host.remove() }
        let server = try await TenantProcessTests.start(on: host)
        defer { server.stop() }

        func session(_ tenant: String) async throws -> MCPSession {
            let key = TenantProcessTests.keys[tenant]!
            let transport = HTTPClientTransport(
                endpoint: URL(string: "http://127.0.0.1:\(server.port)/mcp")!, streaming: false,
                requestModifier: { request in
                    var request = request
                    request.setValue("Bearer \(key)", forHTTPHeaderField: "Authorization")
                    return request
                })
            let client = Client(name: "sandbox-tests", version: "1")
            _ = try await client.connect(transport: transport)
            return MCPSession(client: client)
        }

        // No key, or a wrong one: 401 before any MCP handling, and the server lives.
        let initialize =
            #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"x","version":"1"}}}"#
        for tenant in [nil, "not-a-key"] as [String?] {
            let reply = try await TenantProcessTests.send(
                server, as: tenant, "POST", "/mcp", json: initialize,
                headers: ["Accept": "application/json, text/event-stream"])
            #expect(reply.status == 401, "\(reply.text)")
        }

        let alice = try await session("alice")
        let bob = try await session("bob")
        let created = try await alice.call("create_sandbox", ["source_vm_name": "base", "wait_for_ip": false])
        let id = try #require(created["id"] as? String, "\(created.text) \(server.stderr)")
        #expect(created["tenant"] as? String == "alice")
        let bobs = try await bob.call("list_sandboxes")
        #expect((bobs["sandboxes"] as? [Any])?.isEmpty == true, "\(bobs.text)")
        let stolen = try await bob.call("destroy_sandbox", ["id": .string(id)])
        #expect(stolen.isError && stolen.text.hasPrefix("not_found:"), "\(stolen.text)")

        let rest = try await TenantProcessTests.send(server, as: "alice", "GET", "/v1/sandboxes/\(id)")
        #expect(rest.status == 200, "\(rest.text)")
        let destroyed = try await alice.call("destroy_sandbox", ["id": .string(id)])
        #expect(destroyed["state"] as? String == "DESTROYED", "\(destroyed.text)")
        #expect(host.jobsLeft.isEmpty)

        // GET (a server-sent stream in stateful MCP) is not offered: 405.
        let get = try await TenantProcessTests.send(
            server, as: "alice", "GET", "/mcp", headers: ["Accept": "text/event-stream"])
        #expect(get.status == 405, "\(get.text)")
        await alice.client.disconnect()
        await bob.client.disconnect()
        #expect(server.isRunning, "\(server.stderr)")
    }
}

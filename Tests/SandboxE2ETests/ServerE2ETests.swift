import Crypto
import Foundation
import MCP
import Synchronization
import Testing

@testable import SandboxCore

/// The built `sandbox-server` as a process against the real libvirtd (with its `clean-traffic`
/// filter, required at startup), two tenants with keys, sent the original system's flow over
/// loopback HTTP: create with `auto_start` (no wait), run `uname -a` at once (the route waits for
/// the guest agent within `timeout_sec`), read; then the guest freezes its own agent, and
/// `/v1/health` and the other tenant's requests are timed before and while the owner's agent calls
/// hang; delete with the agent frozen; then SIGTERM, and nothing left.
/// Run by `e2e/run.sh` (`E2E_FILTER=SandboxE2ETests.ServerE2ETests` for this one alone).
@Suite(.serialized, .e2eEnabled, .e2eWorkspace)
struct ServerE2ETests {
    @Test(arguments: E2EEnvironment.flavours.prefix(1))
    func theSeedsFlowThroughTheRealServer(flavour: String) async throws {
        let workspace = try #require(E2EWorkspace.current)
        let environment = workspace.environment
        let executable = try #require(ServerProcess.builtExecutable("sandbox-server"), "sandbox-server is not built")
        let work = try workspace.folder("server-" + flavour)
        let owner = "e2e-server-" + UUID().uuidString.prefix(8).lowercased()
        let manager = workspace.manager(in: work, owner: owner)
        let fixture = try await workspace.bootedBase(flavour)

        let server = try ServerProcess(
            executable: executable,
            environment: [
                "LIBVIRT_URI": environment.uri, "SANDBOX_NETWORK": environment.network,
                "SANDBOX_JOBS_DIR": work + "/jobs", "SANDBOX_OWNER": owner,
                "IP_DISCOVERY_TIMEOUT": "\(E2EEnvironment.bootTimeout.components.seconds)s",
                "SANDBOX_API_KEYS_FILE": try Self.writeKeysFile(in: work), "SANDBOX_ALLOW_MISSING_FILTER": "false",
            ],
            logFolder: work)
        defer { server.stop() }
        try #require(await server.waitUntilServing(), "sandbox-server did not start: \(server.stderr)")

        func send(_ method: String, _ path: String, json: String? = nil, as tenant: String = "alice")
            async throws -> HTTPReply
        {
            let reply = try await server.send(
                method, path, json: json, headers: Self.authorization(tenant), timeout: .seconds(960))
            #expect(server.isRunning, "died after \(method) \(path): \(server.stderr)")
            return reply
        }

        let created = try await send(
            "POST", "/v1/sandboxes",
            json: #"{"source_vm_name": "\#(fixture.baseName)", "agent_id": "test", "auto_start": true}"#)
        #expect(created.status == 201, "\(created.text)")
        let id = try #require(created.sandbox["id"] as? String, "\(created.text)")

        // At once, while the guest still boots: the route waits for its agent.
        let run = try await send(
            "POST", "/v1/sandboxes/\(id)/run", json: #"{"command": "uname -a", "timeout_sec": 900}"#)
        #expect(run.status == 200, "\(run.text)")
        #expect(run.command["exit_code"] as? Int == 0, "\(run.text)")
        #expect((run.command["stdout"] as? String)?.contains("Linux") == true, "\(run.text)")

        // Streamed: output as it comes (three lines a second apart: three events or more), then the exit.
        let streamed = try await send(
            "POST", "/v1/sandboxes/\(id)/run/stream",
            json:
                #"{"command": "for i in 1 2 3; do echo line$i; sleep 1; done; echo oops >&2; exit 3", "timeout_sec": 120}"#
        )
        #expect(streamed.status == 200, "\(streamed.text)")
        let events = streamed.events
        let stdoutEvents = events.filter { $0.name == "stdout" }.compactMap { $0.object["text"] as? String }
        #expect(stdoutEvents.joined() == "line1\nline2\nline3\n", "\(streamed.text)")
        #expect(stdoutEvents.count >= 3, "not streamed: \(streamed.text)")
        #expect(events.filter { $0.name == "stderr" }.compactMap { $0.object["text"] as? String }.joined() == "oops\n")
        #expect(events.last?.name == "exit", "\(streamed.text)")
        #expect((events.last?.object["command"] as? [String: Any])?["exit_code"] as? Int == 3, "\(streamed.text)")

        // Over SSH instead of the agent (on by default): the server's key, the host key the seed
        // installed (pinned), as another user through runuser, with env; then streamed. This process and
        // the server it started live in the test network's namespace, so the connection stays in there.
        try #require(environment.insideTestNamespace, "not inside the test network's namespace: no SSH to a guest")
        let sshClock = ContinuousClock()
        let sshStarted = sshClock.now
        let overSSH = try await send(
            "POST", "/v1/sandboxes/\(id)/run",
            json:
                #"{"command": "echo \"$GREETING\" $(id -un) $(cat /etc/hostname); test -z \"$SSH_CONNECTION\" || echo via-ssh", "env": {"GREETING": "it's me"}, "user": "nobody", "transport": "ssh", "timeout_sec": 300}"#
        )
        let sshTook = sshClock.now - sshStarted
        #expect(overSSH.status == 200, "\(overSSH.text)")
        #expect(overSSH.command["exit_code"] as? Int == 0, "\(overSSH.text)")
        let sshLines = (overSSH.command["stdout"] as? String ?? "").split(separator: "\n")
        #expect(sshLines.first?.hasPrefix("it's me nobody ") == true, "\(overSSH.text)")
        #expect(sshLines.contains("via-ssh"), "no SSH_CONNECTION: not run over SSH? \(overSSH.text)")
        let sshStream = try await send(
            "POST", "/v1/sandboxes/\(id)/run/stream",
            json:
                #"{"command": "echo a; sleep 1; echo b; echo $SSH_CONNECTION >&2; exit 4", "transport": "ssh", "timeout_sec": 120}"#
        )
        #expect(sshStream.status == 200, "\(sshStream.text)")
        let sshEvents = sshStream.events
        #expect(
            sshEvents.filter { $0.name == "stdout" }.compactMap { $0.object["text"] as? String }.joined() == "a\nb\n",
            "\(sshStream.text)")
        #expect(
            !sshEvents.filter { $0.name == "stderr" }.compactMap { $0.object["text"] as? String }.joined().isEmpty,
            "no SSH_CONNECTION: not run over SSH? \(sshStream.text)")
        #expect((sshEvents.last?.object["command"] as? [String: Any])?["exit_code"] as? Int == 4, "\(sshStream.text)")
        await ResultsFile.shared.append(
            E2EResult(
                flavour: flavour, sandbox: id, kind: "ssh-run",
                note: String(format: "run over SSH (pinned host key, user nobody, env) %.2fs", sshTook.seconds)))

        let shown = try await send("GET", "/v1/sandboxes/\(id)")
        #expect(shown.status == 200, "\(shown.text)")
        #expect(shown.sandbox["state"] as? String == "RUNNING", "\(shown.text)")

        #expect(shown.sandbox["tenant"] as? String == "alice", "\(shown.text)")
        #expect(try await send("GET", "/v1/sandboxes/\(id)", as: "bob").status == 404)

        // Files through the guest agent: written with a mode, seen by a command, read back.
        let payload = Data("hello from the host\n".utf8) + Data((0..<4096).map { UInt8(truncatingIfNeeded: $0) })
        let put = try await send(
            "PUT", "/v1/sandboxes/\(id)/files",
            json: #"{"path": "/tmp/e2e-file", "content_base64": "\#(payload.base64EncodedString())", "mode": 416}"#)
        #expect(put.status == 200, "\(put.text)")
        let listed = try await send(
            "POST", "/v1/sandboxes/\(id)/run", json: #"{"command": "stat -c %a:%s /tmp/e2e-file", "timeout_sec": 120}"#)
        #expect(listed.command["stdout"] as? String == "640:\(payload.count)\n", "\(listed.text)")
        let got = try await send("GET", "/v1/sandboxes/\(id)/files?path=/tmp/e2e-file")
        #expect(got.status == 200, "\(got.text)")
        #expect((got.object["content_base64"] as? String).flatMap { Data(base64Encoded: $0) } == payload)
        #expect(try await send("GET", "/v1/sandboxes/\(id)/files?path=/no/such/file").status == 404)
        #expect(try await send("GET", "/v1/sandboxes/\(id)/files?path=/tmp/e2e-file", as: "bob").status == 404)

        let figures = try await Self.frozenAgentFigures(server: server, id: id)
        await ResultsFile.shared.append(
            E2EResult(flavour: flavour, sandbox: id, kind: "frozen-agent-http", note: figures.joined(separator: "; ")))

        #expect(try await send("GET", "/v1/sandboxes/\(id)").status == 404)

        let status = await server.terminate(within: .seconds(120))
        #expect(status == 0, "\(server.stderr)")
        #expect(!server.stderr.contains("Fatal error"), "\(server.stderr)")
        #expect(try await manager.list().isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: work + "/jobs").isEmpty)

        // The original system's own SDK, unchanged, on a real guest (no keys: it sends none).
        try #require(OriginalClient.isInstalled, "no \(OriginalClient.python): scripts/install-deps.sh makes it")
        let open = try ServerProcess(
            executable: executable,
            environment: [
                "LIBVIRT_URI": environment.uri, "SANDBOX_NETWORK": environment.network,
                "SANDBOX_JOBS_DIR": work + "/jobs", "SANDBOX_OWNER": owner, "SANDBOX_ALLOW_MISSING_FILTER": "false",
                "IP_DISCOVERY_TIMEOUT": "\(E2EEnvironment.bootTimeout.components.seconds)s",
            ],
            logFolder: work)
        defer { open.stop() }
        try #require(await open.waitUntilServing(), "sandbox-server did not start: \(open.stderr)")
        let clock = ContinuousClock()
        let started = clock.now
        let (clientStatus, output) = try await OriginalClient.run(
            url: "http://127.0.0.1:\(open.port)", base: fixture.baseName, extra: ["--guest"])
        let took = clock.now - started
        #expect(clientStatus == 0, "\(output)\n\(open.stderr)")
        #expect(open.isRunning, "\(open.stderr)")
        await ResultsFile.shared.append(
            E2EResult(
                flavour: flavour, sandbox: "original-sdk", kind: "original-client",
                note: String(
                    format: "virsh_sandbox 0.0.21b0 flow on a real guest: %@ in %.0fs",
                    clientStatus == 0 ? "ok" : "failed", took.seconds)))
        let mcpNote = try await Self.agentSessionOverMCP(
            base: fixture.baseName, server: open,
            environment: [
                "LIBVIRT_URI": environment.uri, "SANDBOX_NETWORK": environment.network,
                "SANDBOX_JOBS_DIR": work + "/jobs", "SANDBOX_OWNER": owner, "SANDBOX_ALLOW_MISSING_FILTER": "false",
                "SANDBOX_STATE_DIR": work + "/mcp-state",
                "IP_DISCOVERY_TIMEOUT": "\(E2EEnvironment.bootTimeout.components.seconds)s",
            ], logFolder: work)
        await ResultsFile.shared.append(E2EResult(flavour: flavour, sandbox: "sandbox-mcp", kind: "mcp", note: mcpNote))
        #expect(await open.terminate(within: .seconds(120)) == 0, "\(open.stderr)")
        #expect(try await manager.list().isEmpty)
    }

    /// An agent's MCP session on a real guest: `sandbox-mcp` over stdio creates a sandbox (and
    /// waits for its address) and runs `uname -a` in it; `server`'s `POST /mcp` (no keys: the
    /// local operator, as `sandbox-mcp` is) sees the same sandbox and runs a command too; the
    /// stdio session destroys it and ends with exit 0. The figures, as a note.
    static func agentSessionOverMCP(
        base: String, server: ServerProcess, environment: [String: String], logFolder: String
    ) async throws -> String {
        let executable = try #require(ServerProcess.builtExecutable("sandbox-mcp"), "sandbox-mcp is not built")
        let mcp = try MCPProcess(executable: executable, environment: environment, logFolder: logFolder)
        let session = try await mcp.session()
        let clock = ContinuousClock()
        var started = clock.now
        let created = try await session.call("create_sandbox", ["source_vm_name": .string(base)])
        let createTook = clock.now - started
        let id = try #require(created["id"] as? String, "\(created.text)\n\(mcp.stderr)")
        #expect(created["ip_address"] as? String != nil, "\(created.text)")
        started = clock.now
        let uname = try await session.call(
            "run_command", ["id": .string(id), "command": "uname -a", "timeout_sec": 900])
        let unameTook = clock.now - started
        #expect(uname["exit_code"] as? Int == 0, "\(uname.text)")
        #expect((uname["stdout"] as? String)?.contains("Linux") == true, "\(uname.text)")

        // With a progress token: the output as it comes, one notification per line here.
        let progress = Mutex<[String]>([])
        await session.client.onNotification(ProgressNotification.self) { message in
            progress.withLock { $0.append(message.params.message ?? "") }
        }
        let ticks = try MCPAnswer(
            await session.client.callTool(
                name: "run_command",
                arguments: ["id": .string(id), "command": "for i in 1 2 3; do echo tick$i; sleep 1; done"],
                meta: Metadata(progressToken: .string("e2e-ticks"))))
        #expect(ticks["stdout"] as? String == "tick1\ntick2\ntick3\n", "\(ticks.text)")
        let waitedSince = clock.now
        while progress.withLock({ $0.count }) < 3, clock.now - waitedSince < .seconds(10) {
            try await Task.sleep(for: .milliseconds(50))
        }
        let messages = progress.withLock { $0 }
        #expect(messages == ["stdout: tick1\n", "stdout: tick2\n", "stdout: tick3\n"], "\(messages)")

        let http = Client(name: "sandbox-e2e", version: "1")
        _ = try await http.connect(
            transport: HTTPClientTransport(
                endpoint: URL(string: "http://127.0.0.1:\(server.port)/mcp")!, streaming: false))
        let overHTTP = MCPSession(client: http)
        let shown = try await overHTTP.call("get_sandbox", ["id": .string(id)])
        #expect(shown["state"] as? String == "RUNNING", "\(shown.text)")
        let hostname = try await overHTTP.call("run_command", ["id": .string(id), "command": "hostname"])
        #expect(hostname["exit_code"] as? Int == 0, "\(hostname.text)")
        await http.disconnect()

        started = clock.now
        let destroyed = try await session.call("destroy_sandbox", ["id": .string(id)])
        let destroyTook = clock.now - started
        #expect(destroyed["state"] as? String == "DESTROYED", "\(destroyed.text)")
        await session.client.disconnect()
        #expect(await mcp.endSession() == 0, "\(mcp.stderr)")
        #expect(server.isRunning, "\(server.stderr)")
        return String(
            format:
                "sandbox-mcp (stdio): create with the IP %.1fs, uname -a %.2fs, %ld progress notifications for 3 lines, destroy %.1fs; POST /mcp: get and run ok",
            createTook.seconds, unameTook.seconds, messages.count, destroyTook.seconds)
    }

    static let keys = ["alice": "alice-e2e-key-0123456789", "bob": "bob-e2e-key-9876543210"]

    static func authorization(_ tenant: String) -> [String: String] {
        ["Authorization": "Bearer " + keys[tenant]!]
    }

    /// The keys file for ``keys``, in `folder`; its path.
    static func writeKeysFile(in folder: String) throws -> String {
        let lines = keys.keys.sorted().map { tenant in
            tenant + " " + SHA256.hash(data: Data(keys[tenant]!.utf8)).map { String(format: "%02x", $0) }.joined()
        }
        let path = folder + "/api-keys"
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// `/v1/health` and bob's list, timed: 10 rounds before alice's guest freezes its agent, then
    /// rounds while two of alice's requests that need the agent (a run, a read of the sandbox with its
    /// readiness) hang; then alice's delete with the agent frozen, timed, with rounds beside it.
    /// Every reply must be 200 (204 for the delete) and the server alive; the figures go to the
    /// results file.
    static func frozenAgentFigures(server: ServerProcess, id: String) async throws -> [String] {
        let clock = ContinuousClock()
        func round() async throws -> (health: Duration, other: Duration) {
            var start = clock.now
            let health = try await server.send("GET", "/v1/health")
            let healthTime = clock.now - start
            #expect(health.status == 200, "\(health.text)")
            start = clock.now
            let list = try await server.send("GET", "/v1/sandboxes", headers: authorization("bob"))
            let listTime = clock.now - start
            #expect(list.status == 200, "\(list.text)")
            #expect(server.isRunning, "\(server.stderr)")
            return (healthTime, listTime)
        }
        func summary(_ label: String, _ rounds: [(health: Duration, other: Duration)]) -> String {
            func ms(_ values: [Duration]) -> String {
                let sorted = values.sorted()
                return String(
                    format: "median %.1f ms, worst %.1f ms", sorted[sorted.count / 2].seconds * 1000,
                    (sorted.last ?? .zero).seconds * 1000)
            }
            return "\(label) (\(rounds.count) rounds): health \(ms(rounds.map(\.health))), "
                + "bob's list \(ms(rounds.map(\.other)))"
        }
        var figures: [String] = []
        var before: [(health: Duration, other: Duration)] = []
        for _ in 0..<10 { before.append(try await round()) }
        figures.append(summary("agent answering", before))

        let freeze = try await server.send(
            "POST", "/v1/sandboxes/\(id)/run",
            json:
                #"{"command": "nohup sh -c 'sleep 2; kill -STOP $(pidof qemu-ga || pgrep -x qemu-ga)' </dev/null >/dev/null 2>&1 &", "timeout_sec": 60}"#,
            headers: authorization("alice"))
        #expect(freeze.status == 200, "\(freeze.text)")
        try await Task.sleep(for: .seconds(4))

        let hangStart = clock.now
        let hungRun = Task {
            let reply = try await server.send(
                "POST", "/v1/sandboxes/\(id)/run", json: #"{"command": "true", "timeout_sec": 10}"#,
                headers: authorization("alice"))
            return (reply.status, clock.now - hangStart)
        }
        let hungRead = Task {
            let reply = try await server.send("GET", "/v1/sandboxes/\(id)", headers: authorization("alice"))
            return (reply.status, clock.now - hangStart)
        }
        try await Task.sleep(for: .milliseconds(500))
        var during: [(health: Duration, other: Duration)] = []
        while clock.now - hangStart < .seconds(8) {
            during.append(try await round())
            try await Task.sleep(for: .milliseconds(100))
        }
        let (runStatus, runTime) = try await hungRun.value
        let (readStatus, readTime) = try await hungRead.value
        #expect(runStatus != 200, "a run succeeded with the agent frozen")
        figures.append(summary("agent frozen, alice's run and read hanging", during))
        figures.append(
            String(
                format: "alice's run answered %d after %.2fs, her read %d after %.2fs", runStatus, runTime.seconds,
                readStatus, readTime.seconds))
        let worstDuring = during.map { max($0.health, $0.other) }.max() ?? .zero
        #expect(worstDuring < .seconds(2), "a request took \(worstDuring) while the agent was frozen")

        let deleteStart = clock.now
        let delete = Task {
            try await server.send(
                "DELETE", "/v1/sandboxes/\(id)", headers: authorization("alice"), timeout: .seconds(120))
        }
        var duringDelete: [(health: Duration, other: Duration)] = []
        try await Task.sleep(for: .milliseconds(200))
        while clock.now - deleteStart < .seconds(60) {
            duringDelete.append(try await round())
            let listed = try await server.send("GET", "/v1/sandboxes", headers: authorization("alice"))
            if (listed.object["sandboxes"] as? [Any])?.isEmpty == true { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        let deleted = try await delete.value
        let deleteTime = clock.now - deleteStart
        #expect(deleted.status == 200, "\(deleted.text)")
        #expect(deleteTime < .seconds(30), "delete with a frozen agent took \(deleteTime)")
        figures.append(String(format: "delete with the agent frozen %.2fs", deleteTime.seconds))
        if !duringDelete.isEmpty { figures.append(summary("during the delete", duringDelete)) }
        // Health takes no domain lock, so it must stay quick. Bob's list needs libvirtd's domain
        // list, which libvirtd itself holds while it destroys any domain (1.6–2.5 s measured with
        // no guest at all, whatever the guest does): bounded by libvirt's kill, not by the guest.
        let worstHealth = duringDelete.map(\.health).max() ?? .zero
        #expect(worstHealth < .seconds(2), "health took \(worstHealth) during the delete")
        let worstList = duringDelete.map(\.other).max() ?? .zero
        #expect(worstList < .seconds(6), "bob's list took \(worstList) during the delete")
        return figures
    }
}

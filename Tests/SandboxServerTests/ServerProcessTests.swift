import Foundation
import SandboxCoreTesting
import Testing

#if canImport(Glibc)
    import Glibc
#endif

private let serverExecutable = ServerProcess.builtExecutable("sandbox-server")

/// The built `sandbox-server` as users run it: a child process configured through its
/// environment, on a test-driver host of its own (`test:///…/node.xml`, whose state lives in the
/// server process), spoken to over loopback HTTP. After every request the process must still run;
/// SIGTERM ends it with status 0 and no trap on stderr.
@Suite(.enabled(if: serverExecutable != nil, "sandbox-server is not built"))
struct ServerProcessTests {

    /// A folder with a node file — a shut-off base `base` whose disk is a 16 MiB raw file, and the
    /// `default` network with a DHCP range — and the jobs folder the server gets.
    struct Host {
        let folder: String
        let base: String
        var uri: String { "test://" + folder + "/node.xml" }
        var jobs: String { folder + "/jobs" }

        init(base: String = "base") throws {
            self.base = base
            folder = FileManager.default.temporaryDirectory.path + "/sandbox-server-process-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: folder + "/jobs", withIntermediateDirectories: true)
            let disk = folder + "/base.img"
            try SparseDisk.create(at: disk)
            let definition = BaseVMDefinition(
                name: base, kernelBoot: .init(kernel: "/boot/vmlinuz"), disk: .file(disk),
                nic: .init(mac: "52:54:00:fe:00:02"), runState: .shutOff)
            try TestDriverNode(domains: [definition]).write(to: folder + "/node.xml")
        }

        var jobsLeft: [String] { (try? FileManager.default.contentsOfDirectory(atPath: jobs)) ?? [] }

        func remove() { try? FileManager.default.removeItem(atPath: folder) }
    }

    /// Starts the server on `host` and waits until it serves.
    static func start(on host: Host) async throws -> ServerProcess {
        let server = try ServerProcess(
            executable: serverExecutable!,
            environment: [
                "LIBVIRT_URI": host.uri, "SANDBOX_JOBS_DIR": host.jobs, "SANDBOX_OWNER": "process-test",
                "SANDBOX_JANITOR_INTERVAL": "1s", "LOG_LEVEL": "debug",
            ],
            logFolder: host.folder)
        let serving = await server.waitUntilServing()
        if !serving { server.stop() }
        try #require(serving, "sandbox-server did not start: \(server.stderr)")
        return server
    }

    /// Runs `body` with a started server; kills it and removes the host whatever happens.
    static func with(_ body: (ServerProcess, Host) async throws -> Void) async throws {
        let host = try Host()
        defer { host.remove() }
        let server = try await start(on: host)
        defer { server.stop() }
        try await body(server, host)
    }

    /// Sends a request and checks that the server survived it.
    static func send(
        _ server: ServerProcess, _ method: String, _ path: String, json: String? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> HTTPReply {
        let reply = try await server.send(method, path, json: json)
        #expect(server.isRunning, "died after \(method) \(path): \(server.stderr)", sourceLocation: sourceLocation)
        return reply
    }

    /// SIGTERM (unless `signal` is false: already sent): exit status 0 within a bounded time, no
    /// trap on stderr.
    static func terminate(
        _ server: ServerProcess, signal: Bool = true, sourceLocation: SourceLocation = #_sourceLocation
    ) async {
        let status = await signal ? server.terminate(within: .seconds(60)) : server.waitForExit(within: .seconds(60))
        #expect(status == 0, "\(server.stderr)", sourceLocation: sourceLocation)
        #expect(!server.stderr.contains("Fatal error"), "\(server.stderr)", sourceLocation: sourceLocation)
    }

    @Test func theSeedsFlowOverLoopback() async throws {
        try await Self.with { server, host in
            let health = try await Self.send(server, "GET", "/v1/health")
            #expect(health.status == 200)
            #expect(health.object["status"] as? String == "ok")
            #expect(health.object["libvirt_uri"] as? String == host.uri)

            // The seed's own request, then one that waits for the address.
            let created = try await Self.send(
                server, "POST", "/v1/sandboxes",
                json: #"{"source_vm_name": "base", "agent_id": "test", "auto_start": true}"#)
            #expect(created.status == 201, "\(created.text)")
            let id = try #require(created.sandbox["id"] as? String, "\(created.text)")
            let name = try #require(created.sandbox["sandbox_name"] as? String, "\(created.text)")
            #expect(id == "SBX-" + name)
            #expect(created.sandbox["state"] as? String == "RUNNING")
            #expect(created.sandbox["agent_id"] as? String == "test")
            #expect(created.sandbox["base_image"] as? String == "base")
            let waited = try await Self.send(
                server, "POST", "/v1/sandboxes",
                json: #"{"agent_id": "t", "source_vm_name": "base", "auto_start": true, "wait_for_ip": true}"#)
            #expect(waited.status == 201, "\(waited.text)")
            let waitedID = try #require(waited.sandbox["id"] as? String)
            let waitedName = try #require(waited.sandbox["sandbox_name"] as? String)
            let waitedIP = try #require(waited.object["ip_address"] as? String, "\(waited.text)")
            #expect(waited.sandbox["ip_address"] as? String == waitedIP)
            #expect(Set(host.jobsLeft) == [name, waitedName])

            let shown = try await Self.send(server, "GET", "/v1/sandboxes/\(id)")
            #expect(shown.status == 200, "\(shown.text)")
            #expect(shown.sandbox["sandbox_name"] as? String == name)
            #expect(shown.sandbox["state"] as? String == "RUNNING")
            let uuid = try #require(shown.sandbox["uuid"] as? String)
            #expect(try await Self.send(server, "GET", "/v1/sandboxes/\(uuid)").sandbox["id"] as? String == id)

            let list = try await Self.send(server, "GET", "/v1/sandboxes")
            #expect(list.status == 200)
            let ids = (list.object["sandboxes"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            #expect(Set(ids) == [id, waitedID], "\(list.text)")
            #expect(list.object["total"] as? Int == 2, "\(list.text)")

            let ip = try await Self.send(server, "GET", "/v1/sandboxes/\(waitedID)/ip?timeout=30s")
            #expect(ip.status == 200, "\(ip.text)")
            #expect(ip.object["ip_address"] as? String == waitedIP)
            #expect(ip.object["source"] is String)
            let ipNow = try await Self.send(server, "GET", "/v1/sandboxes/\(id)/ip?wait=false")
            #expect(ipNow.status == 200, "\(ipNow.text)")

            // No guest agent on the test driver: a JSON error, not a crash.
            let run = try await Self.send(
                server, "POST", "/v1/sandboxes/\(id)/run", json: #"{"command": "uname -a", "timeout_sec": 3}"#)
            #expect([409, 504].contains(run.status), "\(run.text)")
            #expect(["agent_unavailable", "timeout"].contains(run.errorCode ?? ""), "\(run.text)")
            #expect(run.object["code"] as? Int == run.status, "\(run.text)")
            #expect(run.object["error"] is String, "\(run.text)")

            let diagnosis = try await Self.send(server, "GET", "/v1/sandboxes/\(waitedID)/diagnose")
            #expect(diagnosis.status == 200, "\(diagnosis.text)")
            #expect(diagnosis.object["domain"] as? String == waitedName)

            for sandbox in [id, waitedID] {
                let deleted = try await Self.send(server, "DELETE", "/v1/sandboxes/\(sandbox)")
                #expect(deleted.status == 200, "\(deleted.text)")
                #expect(deleted.object["state"] as? String == "DESTROYED", "\(deleted.text)")
                #expect(try await Self.send(server, "GET", "/v1/sandboxes/\(sandbox)").status == 404)
            }
            #expect(host.jobsLeft.isEmpty, "\(host.jobsLeft)")

            let metrics = try await Self.send(server, "GET", "/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.headers["content-type"]?.hasPrefix("text/plain") == true)
            for line in [
                #"sandbox_creates_total{result="ok"} 2"#, #"sandbox_destroys_total{result="ok"} 2"#,
                "sandbox_api_creates_total 2", #"sandbox_api_destroys_total{reason="api"} 2"#,
                #"sandbox_http_requests_total{route="/v1/sandboxes",method="POST",status="201"} 2"#,
            ] {
                #expect(metrics.text.contains(line), "missing \(line) in\n\(metrics.text)")
            }
            await Self.terminate(server)
        }
    }

    @Test func badInputIsA4xxJSONErrorAndLeavesNothing() async throws {
        try await Self.with { server, host in
            let cases: [(method: String, path: String, json: String?, status: Int)] = [
                ("POST", "/v1/sandboxes", "{", 400),
                (
                    "POST", "/v1/sandboxes",
                    #"{"agent_id": "t", "auto_start": true, "source_vm_name": "base", "colour": "blue"}"#, 400
                ),
                (
                    "POST", "/v1/sandboxes",
                    #"{"agent_id": "t", "auto_start": true, "source_vm_name": "base", "cpu": "two"}"#, 400
                ),
                (
                    "POST", "/v1/sandboxes",
                    #"{"agent_id": "t", "auto_start": true, "source_vm_name": "base", "vm_name": "../../etc"}"#, 400
                ),
                (
                    "POST", "/v1/sandboxes",
                    #"{"agent_id": "t", "auto_start": true, "source_vm_name": "base", "memory_mb": -1}"#, 400
                ),
                (
                    "POST", "/v1/sandboxes",
                    #"{"agent_id": "t", "auto_start": true, "source_vm_name": "base", "nics": [{"mac": "01:00:5e:00:00:01"}]}"#,
                    400
                ),
                (
                    "POST", "/v1/sandboxes",
                    #"{"agent_id": "t", "auto_start": true, "source_vm_name": "no-such-base"}"#, 404
                ),
                ("POST", "/v1/sandboxes", "", 400),
                ("GET", "/v1/sandboxes/a%3Cb%3E", nil, 404),
                ("GET", "/v1/sandboxes/" + String(repeating: "x", count: 300), nil, 404),
                ("DELETE", "/v1/sandboxes/sbx-nobody", nil, 404),
                ("POST", "/v1/sandboxes/sbx-nobody/run", #"{"command": "true"}"#, 404),
                // The sandbox is looked up (and the tenant's access checked) before the query is read.
                ("GET", "/v1/sandboxes/sbx-nobody/ip?wait=maybe", nil, 404),
                ("GET", "/v2/anything", nil, 404),
            ]
            for (method, path, json, status) in cases {
                let reply = try await Self.send(server, method, path, json: json)
                #expect(reply.status == status, "\(method) \(path) \(json ?? ""): \(reply.text)")
                #expect(reply.errorCode != nil, "\(method) \(path) \(json ?? ""): \(reply.text)")
            }
            #expect(host.jobsLeft.isEmpty, "\(host.jobsLeft)")
            let list = try await Self.send(server, "GET", "/v1/sandboxes")
            #expect((list.object["sandboxes"] as? [Any])?.isEmpty == true, "\(list.text)")

            // Still serving good requests.
            let created = try await Self.send(
                server, "POST", "/v1/sandboxes",
                json: #"{"agent_id": "t", "auto_start": true, "source_vm_name": "base"}"#)
            #expect(created.status == 201, "\(created.text)")
            await Self.terminate(server)
        }
    }

    /// A create whose body is still arriving when SIGTERM comes is finished and answered; then the
    /// process exits with status 0.
    @Test func sigtermDrainsAnInFlightRequest() async throws {
        try await Self.with { server, host in
            let body = Data(#"{"auto_start": true, "source_vm_name": "base", "agent_id": "drain"}"#.utf8)
            let connection = try await HTTPConnection.open(port: server.port, timeout: .seconds(60))
            try await connection.write(HTTPConnection.head("POST", "/v1/sandboxes", bodyLength: body.count))
            try await connection.write(body.prefix(10))
            // A request on another connection is answered after this one was accepted.
            #expect(try await Self.send(server, "GET", "/v1/health").status == 200)
            try await Task.sleep(for: .milliseconds(200))

            kill(server.process.processIdentifier, SIGTERM)
            try await Task.sleep(for: .milliseconds(200))
            try await connection.write(body.dropFirst(10))
            let reply = try await connection.readReply()
            #expect(reply.status == 201, "\(reply.text)")
            #expect(reply.sandbox["agent_id"] as? String == "drain")
            await Self.terminate(server, signal: false)
        }
    }
}

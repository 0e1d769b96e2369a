import Crypto
import Foundation
import Testing

private let tenantServerExecutable = ServerProcess.builtExecutable("sandbox-server")

/// Tenants and keys in the real executable, over loopback: two tenants and an admin from a keys
/// file; every route without a key, with a wrong key, and across tenants; non-JSON bodies; the
/// per-tenant quota; a server without keys refusing to listen beyond loopback. After every request
/// the process must still run, and nothing may be made or removed that should not be.
@Suite(.enabled(if: tenantServerExecutable != nil, "sandbox-server is not built"))
struct TenantProcessTests {
    static let keys = ["alice": "alice-key-0123456789", "bob": "bob-key-9876543210", "ops": "ops-key-admin-42"]

    static func digest(_ key: String) -> String {
        SHA256.hash(data: Data(key.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Writes the keys file into the host's folder and returns its path.
    static func writeKeysFile(in host: ServerProcessTests.Host) throws -> String {
        let text = """
            # tenant sha256 [admin]
            alice \(digest(keys["alice"]!))
            bob \(digest(keys["bob"]!))

            ops \(digest(keys["ops"]!)) admin
            """
        let path = host.folder + "/api-keys"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func start(
        on host: ServerProcessTests.Host, extra: [String: String] = [:]
    ) async throws -> ServerProcess {
        var environment = [
            "LIBVIRT_URI": host.uri, "SANDBOX_JOBS_DIR": host.jobs, "SANDBOX_OWNER": "tenant-test",
            "SANDBOX_JANITOR_INTERVAL": "1s", "SANDBOX_API_KEYS_FILE": try writeKeysFile(in: host),
        ]
        environment.merge(extra) { _, new in new }
        let server = try ServerProcess(
            executable: tenantServerExecutable!, environment: environment, logFolder: host.folder)
        let serving = await server.waitUntilServing()
        if !serving { server.stop() }
        try #require(serving, "sandbox-server did not start: \(server.stderr)")
        return server
    }

    /// Sends as `tenant` (nil: no `Authorization` header) and checks the server survived.
    static func send(
        _ server: ServerProcess, as tenant: String?, _ method: String, _ path: String, json: String? = nil,
        headers: [String: String] = [:], sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> HTTPReply {
        var headers = headers
        if let tenant { headers["Authorization"] = "Bearer " + (keys[tenant] ?? tenant) }
        let reply = try await server.send(method, path, json: json, headers: headers)
        #expect(server.isRunning, "died after \(method) \(path): \(server.stderr)", sourceLocation: sourceLocation)
        return reply
    }

    static func names(_ reply: HTTPReply) -> Set<String> {
        Set((reply.object["sandboxes"] as? [[String: Any]] ?? []).compactMap { $0["sandbox_name"] as? String })
    }

    @Test func everyRouteNeedsAKeyAndTenantsSeeOnlyTheirOwn() async throws {
        let host = try ServerProcessTests.Host()
        defer { host.remove() }
        let server = try await Self.start(on: host)
        defer { server.stop() }

        // Health needs no key; everything else does, with one answer for no, malformed and unknown keys.
        // Without a key it tells only the status: a libvirt URI can name a user and a host.
        for path in ["/v1/health", "/v1/health/", "//v1/health"] {
            let health = try await Self.send(server, as: nil, "GET", path)
            #expect(health.status == 200, "\(path): \(health.text)")
            #expect(health.object["libvirt_uri"] == nil, "\(path): \(health.text)")
        }
        let keyedHealth = try await Self.send(server, as: "bob", "GET", "/v1/health")
        #expect(keyedHealth.object["libvirt_uri"] as? String == host.uri, "\(keyedHealth.text)")
        let routes: [(String, String, String?)] = [
            ("GET", "/v1/sandboxes", nil),
            ("POST", "/v1/sandboxes", #"{"agent_id": "t", "auto_start": true, "source_vm_name": "base"}"#),
            ("GET", "/v1/sandboxes/sbx-x", nil), ("DELETE", "/v1/sandboxes/sbx-x", nil),
            ("POST", "/v1/sandboxes/sbx-x/start", nil), ("GET", "/v1/sandboxes/sbx-x/ip", nil),
            ("POST", "/v1/sandboxes/sbx-x/run", #"{"command": "id"}"#), ("GET", "/v1/sandboxes/sbx-x/diagnose", nil),
            ("GET", "/v1/sandboxes/sbx-x/commands", nil), ("GET", "/v1/vms", nil),
            ("GET", "/metrics", nil), ("GET", "/metrics/", nil), ("GET", "//metrics", nil),
            ("GET", "/v1/sandboxes/", nil), ("GET", "//v1//sandboxes", nil),
        ]
        let badAuthorizations: [String?] = [
            nil, "Bearer", "Bearer ", "Basic YWxpY2U6eA==", "Bearer wrong-key",
            "Bearer " + String(repeating: "k", count: 4000),
            "Bearer " + Self.digest(Self.keys["alice"]!),
        ]
        for (method, path, json) in routes {
            for authorization in badAuthorizations {
                let headers = authorization.map { ["Authorization": $0] } ?? [:]
                let reply = try await Self.send(server, as: nil, method, path, json: json, headers: headers)
                #expect(
                    reply.status == 401, "\(method) \(path) [\(authorization?.prefix(20) ?? "none")]: \(reply.text)")
                #expect(reply.errorCode == "unauthenticated", "\(reply.text)")
                #expect(reply.headers["www-authenticate"] == "Bearer", "\(reply.headers)")
            }
        }
        #expect(host.jobsLeft.isEmpty, "\(host.jobsLeft)")

        // Bodies must be JSON: a browser's simple POST (text/plain, a form) is refused before anything.
        for type in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"] {
            let reply = try await Self.send(
                server, as: "alice", "POST", "/v1/sandboxes",
                json: #"{"agent_id": "t", "auto_start": true, "source_vm_name": "base"}"#,
                headers: ["Content-Type": type])
            #expect(reply.status == 415, "\(type): \(reply.text)")
        }
        #expect(host.jobsLeft.isEmpty, "\(host.jobsLeft)")

        // Alice's sandbox.
        let created = try await Self.send(
            server, as: "alice", "POST", "/v1/sandboxes",
            json: #"{"agent_id": "t", "source_vm_name": "base", "auto_start": false}"#)
        #expect(created.status == 201, "\(created.text)")
        let id = try #require(created.sandbox["sandbox_name"] as? String, "\(created.text)")
        let uuid = try #require(created.sandbox["uuid"] as? String, "\(created.text)")

        // Bob sees nothing of it, by name or UUID, on every route: 404 like an unknown id.
        for target in [id, uuid, "SBX-" + id] {
            for (method, suffix, json) in [
                ("GET", "", nil), ("POST", "/start", nil), ("GET", "/ip", nil),
                ("GET", "/ip?wait=true&timeout=1s", nil),
                ("POST", "/run", #"{"command": "id"}"#), ("GET", "/diagnose", nil), ("GET", "/commands", nil),
                ("GET", "?include_commands=true", nil), ("DELETE", "", nil),
            ] as [(String, String, String?)] {
                let reply = try await Self.send(
                    server, as: "bob", method, "/v1/sandboxes/\(target)\(suffix)", json: json)
                let unknown = try await Self.send(
                    server, as: "bob", method, "/v1/sandboxes/sbx-none\(suffix)", json: json)
                #expect(reply.status == 404, "bob \(method) \(suffix): \(reply.text)")
                #expect(reply.errorCode == "not_found", "\(reply.text)")
                #expect(unknown.status == 404, "\(unknown.text)")
            }
        }
        #expect(Self.names(try await Self.send(server, as: "bob", "GET", "/v1/sandboxes")).isEmpty)
        #expect(host.jobsLeft == [id], "bob's requests must not touch alice's sandbox: \(host.jobsLeft)")

        // Alice and the admin see it; the sandbox records its tenant.
        #expect(Self.names(try await Self.send(server, as: "alice", "GET", "/v1/sandboxes")) == [id])
        #expect(Self.names(try await Self.send(server, as: "ops", "GET", "/v1/sandboxes")) == [id])
        let shown = try await Self.send(server, as: "alice", "GET", "/v1/sandboxes/\(id)")
        #expect(shown.status == 200, "\(shown.text)")
        #expect(shown.sandbox["tenant"] as? String == "alice", "\(shown.text)")

        // /metrics is for admins, however the path is spelt (the router matches all of these).
        for path in ["/metrics", "/metrics/", "//metrics", "/metrics?format=text"] {
            let metricsAlice = try await Self.send(server, as: "alice", "GET", path)
            #expect(metricsAlice.status == 403, "\(path): \(metricsAlice.text)")
            #expect(metricsAlice.errorCode == "forbidden")
            #expect(try await Self.send(server, as: "ops", "GET", path).status == 200, "\(path)")
        }

        // Every reply carries a request id; an error body names it too.
        let missing = try await Self.send(server, as: "alice", "GET", "/v1/sandboxes/sbx-none")
        let requestID = try #require(missing.headers["x-request-id"], "\(missing.headers)")
        #expect(missing.text.contains(requestID), "\(missing.text)")

        // Bob's own sandbox; the admin may delete alice's; alice hers is gone.
        let bobs = try await Self.send(
            server, as: "bob", "POST", "/v1/sandboxes",
            json: #"{"agent_id": "t", "source_vm_name": "base", "auto_start": false}"#)
        #expect(bobs.status == 201, "\(bobs.text)")
        let bobID = try #require(bobs.sandbox["sandbox_name"] as? String)
        #expect(Self.names(try await Self.send(server, as: "alice", "GET", "/v1/sandboxes")) == [id])
        #expect(Self.names(try await Self.send(server, as: "ops", "GET", "/v1/sandboxes")) == [id, bobID])
        #expect(try await Self.send(server, as: "ops", "DELETE", "/v1/sandboxes/\(id)").status == 200)
        #expect(try await Self.send(server, as: "bob", "DELETE", "/v1/sandboxes/\(bobID)").status == 200)
        #expect(host.jobsLeft.isEmpty, "\(host.jobsLeft)")

        let status = await server.terminate(within: .seconds(60))
        #expect(status == 0, "\(server.stderr)")
        #expect(!server.stderr.contains("Fatal error"), "\(server.stderr)")
    }

    @Test func theQuotaIsPerTenant() async throws {
        let host = try ServerProcessTests.Host()
        defer { host.remove() }
        let server = try await Self.start(
            on: host, extra: ["SANDBOX_MAX_SANDBOXES_PER_TENANT": "1", "SANDBOX_MAX_SANDBOXES": "2"])
        defer { server.stop() }
        let body = #"{"agent_id": "t", "source_vm_name": "base", "auto_start": false}"#
        #expect(try await Self.send(server, as: "alice", "POST", "/v1/sandboxes", json: body).status == 201)
        let second = try await Self.send(server, as: "alice", "POST", "/v1/sandboxes", json: body)
        #expect(second.status == 429, "\(second.text)")
        #expect(second.errorCode == "quota_exceeded", "\(second.text)")
        #expect(try await Self.send(server, as: "bob", "POST", "/v1/sandboxes", json: body).status == 201)
        let third = try await Self.send(server, as: "ops", "POST", "/v1/sandboxes", json: body)
        #expect(third.status == 429, "the server-wide quota: \(third.text)")
        #expect(host.jobsLeft.count == 2, "\(host.jobsLeft)")
        let status = await server.terminate(within: .seconds(60))
        #expect(status == 0, "\(server.stderr)")
    }

    /// Without keys, a server asked to listen beyond loopback refuses to start (exit 2); a keys
    /// file that cannot be read or parsed does too. With no keys on loopback it serves as admin.
    @Test func exposureAndBadKeysFilesAreRefusedAtStartup() async throws {
        let host = try ServerProcessTests.Host()
        defer { host.remove() }
        let badKeys = host.folder + "/bad-keys"
        try Data("alice not-a-digest\n".utf8).write(to: URL(fileURLWithPath: badKeys))
        let port = try ServerProcess.freeLoopbackPort()
        let cases: [([String: String], String)] = [
            (["SANDBOX_LISTEN": "0.0.0.0:\(port)"], "SANDBOX_API_KEYS_FILE"),
            (["SANDBOX_LISTEN": ":\(port)"], "SANDBOX_API_KEYS_FILE"),
            (["SANDBOX_API_KEYS_FILE": badKeys], "line 1"),
            (["SANDBOX_API_KEYS_FILE": host.folder + "/no-such-file"], "cannot read"),
            (["SANDBOX_API_KEYS_FILE": "relative/keys"], "absolute"),
        ]
        for (extra, expected) in cases {
            var environment = ["LIBVIRT_URI": host.uri, "SANDBOX_JOBS_DIR": host.jobs]
            environment.merge(extra) { _, new in new }
            let server = try ServerProcess(
                executable: tenantServerExecutable!, environment: environment, logFolder: host.folder)
            let status = await server.waitForExit(within: .seconds(30))
            server.stop()
            #expect(status == 2, "\(extra): \(server.stderr)")
            #expect(server.stderr.contains(expected), "\(extra): \(server.stderr)")
        }

        let server = try ServerProcess(
            executable: tenantServerExecutable!,
            environment: ["LIBVIRT_URI": host.uri, "SANDBOX_JOBS_DIR": host.jobs], logFolder: host.folder)
        defer { server.stop() }
        let serving = await server.waitUntilServing()
        try #require(serving, "\(server.stderr)")
        #expect(server.stderr.contains("loopback only"), "\(server.stderr)")
        #expect(try await server.send("GET", "/v1/sandboxes").status == 200)
        #expect(try await server.send("GET", "/metrics").status == 200)
        let status = await server.terminate(within: .seconds(60))
        #expect(status == 0, "\(server.stderr)")
    }
}

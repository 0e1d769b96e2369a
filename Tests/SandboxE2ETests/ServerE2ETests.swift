import Foundation
import Testing

@testable import SandboxCore

/// The built `sandbox-server` as a process against the real libvirtd, sent the original system's
/// flow over loopback HTTP: create with `auto_start` (no wait), run `uname -a` at once (the route
/// waits for the guest agent within `timeout_sec`), read, delete; then SIGTERM, and nothing left.
/// Run by `e2e/run.sh` (`E2E_FILTER=SandboxE2ETests.ServerE2ETests` for this one alone).
@Suite(.serialized, .enabled(if: E2EEnvironment.enabled, "end-to-end suite: run e2e/run.sh to enable it"))
struct ServerE2ETests {
    @Test(arguments: E2EEnvironment.flavours.prefix(1))
    func theSeedsFlowThroughTheRealServer(flavour: String) async throws {
        let environment = try #require(E2EEnvironment.current)
        let image = try #require(environment.images[flavour], "no image for \(flavour)")
        let executable = try #require(ServerProcess.builtExecutable("sandbox-server"), "sandbox-server is not built")
        let connection = try await LibvirtConnection(uri: environment.uri)
        let work = environment.workDirectory + "/server-" + flavour
        try? FileManager.default.removeItem(atPath: work)
        try FileManager.default.createDirectory(atPath: work + "/jobs", withIntermediateDirectories: true)
        let fixture = BaseFixture(
            flavour: flavour, image: image, work: work, network: environment.network, connection: connection,
            suffix: "-server")
        let owner = "e2e-server-" + UUID().uuidString.prefix(8).lowercased()
        let manager = SandboxManager(
            domains: connection, configuration: .init(jobsRoot: work + "/jobs", owner: owner))
        defer {
            Task {
                for sandbox in (try? await manager.list()) ?? [] {
                    if let name = try? SandboxName(sandbox.name) { try? await manager.destroy(name) }
                }
                await fixture.removeBase()
                await connection.close()
            }
        }
        try await fixture.bootBaseOnce()

        let server = try ServerProcess(
            executable: executable,
            environment: [
                "LIBVIRT_URI": environment.uri, "SANDBOX_NETWORK": environment.network,
                "SANDBOX_JOBS_DIR": work + "/jobs", "SANDBOX_OWNER": owner,
                "IP_DISCOVERY_TIMEOUT": "\(CloneNetworkingE2ETests.bootTimeout.components.seconds)s",
            ],
            logFolder: work)
        defer { server.stop() }
        try #require(await server.waitUntilServing(), "sandbox-server did not start: \(server.stderr)")

        func send(_ method: String, _ path: String, json: String? = nil) async throws -> HTTPReply {
            let reply = try await server.send(method, path, json: json, timeout: .seconds(960))
            #expect(server.isRunning, "died after \(method) \(path): \(server.stderr)")
            return reply
        }

        let created = try await send(
            "POST", "/v1/sandboxes",
            json: #"{"source_vm_name": "\#(fixture.baseName)", "agent_id": "test", "auto_start": true}"#)
        #expect(created.status == 201, "\(created.text)")
        let id = try #require(created.object["id"] as? String, "\(created.text)")

        // At once, while the guest still boots: the route waits for its agent.
        let run = try await send(
            "POST", "/v1/sandboxes/\(id)/run", json: #"{"command": "uname -a", "timeout_sec": 900}"#)
        #expect(run.status == 200, "\(run.text)")
        #expect(run.object["exit_code"] as? Int == 0, "\(run.text)")
        #expect((run.object["stdout"] as? String)?.contains("Linux") == true, "\(run.text)")

        let shown = try await send("GET", "/v1/sandboxes/\(id)")
        #expect(shown.status == 200, "\(shown.text)")
        #expect(shown.object["state"] as? String == "running", "\(shown.text)")

        #expect(try await send("DELETE", "/v1/sandboxes/\(id)").status == 204)
        #expect(try await send("GET", "/v1/sandboxes/\(id)").status == 404)

        let status = await server.terminate(within: .seconds(120))
        #expect(status == 0, "\(server.stderr)")
        #expect(!server.stderr.contains("Fatal error"), "\(server.stderr)")
        #expect(try await manager.list().isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: work + "/jobs").isEmpty)
    }
}

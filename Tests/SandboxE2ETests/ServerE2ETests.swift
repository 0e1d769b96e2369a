import Foundation
import Hummingbird
import HummingbirdTesting
import SandboxServer
import Testing

@testable import SandboxCore

/// The HTTP service in-process against the real libvirtd: create a sandbox and wait for its
/// address, run `hostname` in it through the guest agent, delete it.
/// Run by `e2e/run.sh` (`E2E_FILTER=SandboxE2ETests.ServerE2ETests` for this one alone).
@Suite(.serialized, .enabled(if: E2EEnvironment.enabled, "end-to-end suite: run e2e/run.sh to enable it"))
struct ServerE2ETests {
    @Test(arguments: E2EEnvironment.flavours.prefix(1))
    func createRunDelete(flavour: String) async throws {
        let environment = try #require(E2EEnvironment.current)
        let image = try #require(environment.images[flavour], "no image for \(flavour)")
        let connection = try await LibvirtConnection(uri: environment.uri)
        let work = environment.workDirectory + "/server-" + flavour
        try? FileManager.default.removeItem(atPath: work)
        try FileManager.default.createDirectory(atPath: work + "/jobs", withIntermediateDirectories: true)
        let fixture = BaseFixture(
            flavour: flavour, image: image, work: work, network: environment.network, connection: connection,
            suffix: "-server")
        defer {
            Task {
                await fixture.removeBase()
                await connection.close()
            }
        }
        try await fixture.bootBaseOnce()

        let manager = SandboxManager(
            domains: connection,
            configuration: .init(
                jobsRoot: work + "/jobs", owner: "e2e-server", defaultNetwork: .network(environment.network),
                gracefulShutdownTimeout: .seconds(60),
                discoveryTimeout: DiscoveryTimeout(base: CloneNetworkingE2ETests.bootTimeout),
                discoverySources: [.networkLeases, .lease]))
        let app = SandboxServerApp.application(manager: manager, network: environment.network, janitorInterval: nil)
        try await app.test(.router) { client in
            let created = try await client.execute(
                uri: "/v1/sandboxes", method: .post,
                body: ByteBuffer(string: #"{"source_vm_name": "\#(fixture.baseName)", "wait_for_ip": true}"#))
            #expect(created.status == .created, "\(String(buffer: created.body))")
            let sandbox = try JSONDecoder().decode(SandboxResource.self, from: Data(created.body.readableBytesView))
            #expect(sandbox.ip != nil)

            // The agent connects a little after the address appears: 503 until then.
            let output = try await poll(timeout: .seconds(300), every: .seconds(2)) { () async throws -> String? in
                let run = try await client.execute(
                    uri: "/v1/sandboxes/\(sandbox.id)/run", method: .post,
                    body: ByteBuffer(string: #"{"command": "hostname", "timeout_sec": 30}"#))
                guard run.status == .ok else { return nil }
                let result = try JSONDecoder().decode(
                    RunCommandResponse.self, from: Data(run.body.readableBytesView))
                #expect(result.exitCode == 0)
                return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            #expect(output == sandbox.name)

            let deleted = try await client.execute(uri: "/v1/sandboxes/\(sandbox.id)", method: .delete)
            #expect(deleted.status == .noContent)
            let gone = try await client.execute(uri: "/v1/sandboxes/\(sandbox.id)", method: .get)
            #expect(gone.status == .notFound)
        }
        #expect(try await manager.list().isEmpty)
    }
}

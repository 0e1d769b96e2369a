import Foundation
import Hummingbird
import HummingbirdTesting
import Metrics
import Prometheus
import SandboxCore
import SandboxCoreTesting
import SandboxServer
import Testing

/// A `test:///default` connection, a temp folder for base disks and job folders, a shut-off base
/// VM, and a Prometheus registry of its own. The test driver's state is shared by every connection
/// of the process, so names and owners are unique per host.
struct ServerTestHost {
    let connection: LibvirtConnection
    let folder: String
    let owner = "srv-" + UUID().uuidString.prefix(8).lowercased()
    let base: String
    let registry = PrometheusCollectorRegistry()
    var jobsRoot: String { folder + "/jobs" }
    var metrics: ServerMetrics { ServerMetrics(factory: PrometheusMetricsFactory(registry: registry)) }

    static func make() async throws -> ServerTestHost {
        let connection = try await LibvirtConnection(uri: "test:///default")
        let folder = FileManager.default.temporaryDirectory.path + "/sandbox-server-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let base = try await defineBase(on: connection, folder: folder)
        return ServerTestHost(connection: connection, folder: folder, base: base)
    }

    /// A shut-off base VM whose disk is a real 16 MiB raw file.
    static func defineBase(on connection: LibvirtConnection, folder: String) async throws -> String {
        let name = "base-" + UUID().uuidString.prefix(8).lowercased()
        let disk = folder + "/\(name).img"
        try SparseDisk.create(at: disk)
        let base = BaseVMDefinition(
            name: name, vcpus: 2, kernelBoot: .placeholder, disk: .file(disk), nic: .init(mac: "52:54:00:fe:00:02"))
        _ = try await connection.define(xml: base.xml())
        return name
    }

    func manager(sources: [DiscoverySource] = DiscoverySource.defaultOrder) -> SandboxManager {
        SandboxManager(
            domains: connection,
            configuration: .init(
                jobsRoot: jobsRoot, owner: owner, gracefulShutdownTimeout: .zero, discoverySources: sources))
    }

    /// The application over this host, with a janitor when `janitorInterval` is set.
    func application(
        sources: [DiscoverySource] = DiscoverySource.defaultOrder, janitorInterval: Duration? = nil,
        policy: ServerPolicy = ServerPolicy()
    ) -> some ApplicationProtocol {
        let registry = self.registry
        return SandboxServerApp.application(
            manager: manager(sources: sources), janitorInterval: janitorInterval, metrics: metrics,
            metricsText: { registry.emitToString() }, policy: policy)
    }

    /// The server over `domains` (a test double wrapping ``connection``, such as a scripted guest
    /// agent), without a graceful shutdown on destroy.
    func application(domains: any DomainManager) -> some ApplicationProtocol {
        let registry = self.registry
        let manager = SandboxManager(
            domains: domains, configuration: .init(jobsRoot: jobsRoot, owner: owner, gracefulShutdownTimeout: .zero))
        return SandboxServerApp.application(
            manager: manager, janitorInterval: nil, metrics: metrics, metricsText: { registry.emitToString() })
    }

    /// Folders left in the jobs root.
    func jobsLeft() -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: jobsRoot)) ?? []
    }

    /// Removes this host's sandboxes, the base and the folder.
    func cleanUp() async {
        let manager = manager()
        for sandbox in (try? await manager.list()) ?? [] {
            if let name = try? SandboxName(sandbox.name) { try? await manager.destroy(name) }
        }
        try? await connection.undefine(named: base)
        await connection.close()
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Runs `body` with a host and always cleans up.
    static func with(_ body: (ServerTestHost) async throws -> Void) async throws {
        let host = try await make()
        do {
            try await body(host)
        } catch {
            await host.cleanUp()
            throw error
        }
        await host.cleanUp()
    }
}

extension TestClientProtocol {
    /// Sends `json` (raw text, so tests can send malformed bodies) and returns the response.
    @discardableResult
    func send(_ method: HTTPRequest.Method, _ uri: String, json: String? = nil) async throws -> TestResponse {
        try await execute(
            uri: uri, method: method, headers: json == nil ? [:] : [.contentType: "application/json"],
            body: json.map { ByteBuffer(string: $0) })
    }
}

extension TestResponse {
    /// The `sandbox` of a create's or a read's envelope.
    func sandbox() throws -> SandboxResource {
        struct Envelope: Decodable { var sandbox: SandboxResource }
        return try decode(Envelope.self).sandbox
    }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(body.readableBytesView))
    }

    var text: String { String(buffer: body) }

    /// The `error` object of a JSON error body.
    /// The error body's code (`error_code`), message (`error`), diagnosis and request id.
    var apiError: ErrorView? {
        (try? decode(APIError.Body.self)).map {
            ErrorView(
                code: $0.errorCode, message: $0.error, diagnosis: $0.diagnosis, requestID: $0.requestID, status: $0.code
            )
        }
    }
}

/// Polls `condition` every 50 ms until it holds or `limit` passes.
func eventually(within limit: Duration = .seconds(20), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + limit
    while clock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return try await condition()
}

extension ServerPolicy {
    /// The default policy with every network option open: the test driver's `default` network,
    /// fixed addresses, DHCP reservations and chosen MACs.
    static let openNetworking = ServerPolicy(
        allowedNetworks: ["default"], allowFixedAddresses: true, allowDHCPReservations: true, allowCustomMACs: true)
}

/// What tests read of an error body.
struct ErrorView {
    var code: String
    var message: String
    var diagnosis: Diagnosis?
    var requestID: String?
    /// The body's `code`: the HTTP status again.
    var status: Int
}

import Foundation
import Synchronization
import Testing

@testable import SandboxCore

/// What one end-to-end test works in: the environment `e2e/run.sh` hands over, a connection to
/// its libvirtd, fresh folders, the shared booted bases, and the test's own domains and sandboxes,
/// which ``tearDown()`` removes (awaited) when the test ends, whatever its outcome.
///
/// The ``E2EWorkspaceTrait`` (`@Suite(.e2eWorkspace)`) opens one per test case and sets
/// ``current`` for it:
///
/// ```swift
/// let workspace = try #require(E2EWorkspace.current)
/// let base = try await workspace.bootedBase("netplan")
/// let manager = workspace.manager(in: try workspace.folder("mine"), owner: "e2e-mine")
/// let sandbox = try await manager.create(SandboxRequest(baseVM: base.baseName, waitForIP: true))
/// ```
///
/// Thread-safe: the cleanups it collects are behind a lock; its connection is an actor.
final class E2EWorkspace: Sendable {
    /// The workspace of the running test (set by ``E2EWorkspaceTrait``).
    @TaskLocal static var current: E2EWorkspace?

    let environment: E2EEnvironment
    let connection: LibvirtConnection
    /// Run last first by ``tearDown()``.
    private let cleanups = Mutex<[@Sendable () async -> Void]>([])

    init(environment: E2EEnvironment) async throws {
        self.environment = environment
        connection = try await LibvirtConnection(uri: environment.uri)
    }

    /// The isolated libvirt network of the test daemon.
    var network: String { environment.network }

    /// The cached image folder of `flavour`.
    func image(_ flavour: String) throws -> String {
        try #require(environment.images[flavour], "no image for \(flavour)")
    }

    /// `WORKDIR/name`, emptied, with an empty `jobs` folder inside. Left in place at the end (for
    /// the logs in it); `e2e/run.sh` deletes the work folder.
    func folder(_ name: String) throws -> String {
        let path = environment.workDirectory + "/" + name
        try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.createDirectory(atPath: path + "/jobs", withIntermediateDirectories: true)
        return path
    }

    /// The base of `flavour` booted once and shut down (``BaseFixture/bootBaseOnce()``), shared by
    /// every suite of this run (``SharedBases``), on this workspace's connection.
    func bootedBase(_ flavour: String) async throws -> BaseFixture {
        var fixture = try await SharedBases.shared.base(flavour) { [self] in
            let fixture = BaseFixture(
                flavour: flavour, image: try image(flavour), work: try folder("bases/" + flavour), network: network,
                connection: connection)
            do {
                try await fixture.bootBaseOnce()
            } catch {
                await fixture.removeBase()
                throw error
            }
            return fixture
        }
        fixture.connection = connection
        return fixture
    }

    /// A base of this test's, `name`, defined in `folder` from the cached image of `flavour` and
    /// never booted (``BaseFixture/defineUnbooted()``); removed at the end.
    func unbootedBase(_ name: String, flavour: String, in folder: String) async throws -> BaseFixture {
        let fixture = BaseFixture(
            flavour: flavour, image: try image(flavour), work: folder, network: network, connection: connection,
            baseName: name)
        atEnd { [connection] in await Self.remove(domain: name, on: connection) }
        _ = try await fixture.defineUnbooted()
        return fixture
    }

    /// Defines `spec`; the domain is removed at the end.
    func define(_ spec: DomainSpec) async throws {
        atEnd { [connection] in await Self.remove(domain: spec.name.value, on: connection) }
        _ = try await connection.define(xml: try DomainXMLRenderer().render(spec))
    }

    /// A manager for sandboxes on the test network with its jobs in `folder/jobs`; whichever of its
    /// sandboxes are left at the end are destroyed.
    func manager(
        in folder: String, owner: String, gracefulShutdownTimeout: Duration = .seconds(10),
        discoverySources: [DiscoverySource] = DiscoverySource.defaultOrder
    ) -> SandboxManager {
        let manager = SandboxManager(
            domains: connection,
            configuration: .init(
                jobsRoot: folder + "/jobs", owner: owner, defaultNetwork: .network(network),
                gracefulShutdownTimeout: gracefulShutdownTimeout, discoverySources: discoverySources))
        atEnd {
            for sandbox in (try? await manager.list()) ?? [] {
                if let name = try? SandboxName(sandbox.name) { try? await manager.destroy(name) }
            }
        }
        return manager
    }

    /// Runs `cleanup` in ``tearDown()``, before the cleanups registered earlier.
    func atEnd(_ cleanup: @escaping @Sendable () async -> Void) {
        cleanups.withLock { $0.append(cleanup) }
    }

    /// Runs the cleanups, last registered first, each awaited, then closes the connection.
    func tearDown() async {
        let pending = cleanups.withLock { cleanups in
            defer { cleanups.removeAll() }
            return cleanups
        }
        for cleanup in pending.reversed() { await cleanup() }
        await connection.close()
    }

    private static func remove(domain name: String, on connection: LibvirtConnection) async {
        try? await connection.destroy(named: name)
        try? await connection.undefine(named: name)
    }
}

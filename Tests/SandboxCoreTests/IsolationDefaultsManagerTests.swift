import Foundation
import FoundationXML
import SandboxCoreTesting
import Testing

@testable import SandboxCore

/// Isolation defaults through `SandboxManager` on libvirt's test driver: isolated ports unless
/// opted out, `clean-traffic` bound to the address known at create time, resource limits on every
/// sandbox; and the overlay cap, against the test driver's block info and a scripted one.
@Suite struct IsolationDefaultsManagerTests {
    static func unique(_ prefix: String) throws -> SandboxName {
        try SandboxName(prefix + "-" + UUID().uuidString.prefix(8).lowercased())
    }

    static func values(_ xml: String, _ xpath: String) throws -> [String] {
        let root = try #require(try XMLDocument(xmlString: xml, options: []).rootElement())
        return try root.nodes(forXPath: xpath).compactMap(\.stringValue)
    }

    @Test(arguments: [true, false])
    func sandboxPortsAreIsolatedUnlessOptedOut(isolate: Bool) async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        defer { Task { await host.cleanUp(bases: [base]) } }
        var configuration = SandboxManager.Configuration(jobsRoot: host.jobsRoot, owner: host.owner)
        #expect(configuration.isolateSandboxes, "isolation is the default")
        configuration.isolateSandboxes = isolate
        let manager = SandboxManager(domains: host.connection, configuration: configuration)
        var request = SandboxRequest(baseVM: base, name: try Self.unique("sbx-port"), autoStart: false)
        request.nics = [SandboxNIC(), SandboxNIC(network: .bridge("virbr9"))]
        let sandbox = try await manager.create(request)
        let xml = try await host.connection.domainXML(named: sandbox.name.value, inactive: true)
        #expect(xml.contains("<port isolated='yes'/>") == isolate, "\(xml)")
        #expect(
            try Self.values(xml, "/domain/devices/interface/port/@isolated") == (isolate ? ["yes", "yes"] : []),
            "\(xml)")
        try await manager.destroy(sandbox.name)
    }

    /// A fixed IPv4 address and a DHCP reservation bind the filter; a plain DHCP NIC leaves it to
    /// libvirt's address learning.
    @Test func theFilterIsBoundToTheAddressKnownAtCreate() async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        defer { Task { await host.cleanUp(bases: [base]) } }
        let manager = host.manager(domains: FaultyDomainManager(host.connection, networkFilters: ["clean-traffic"]))
        var request = SandboxRequest(baseVM: base, name: try Self.unique("sbx-ipbind"), autoStart: false)
        request.nics = [
            SandboxNIC(
                ipv4: .fixed(try IPInterfaceAddress(parsing: "192.168.122.41/24")),
                ipv6: .fixed(try IPInterfaceAddress(parsing: "fd00:122::41/64"))),
            SandboxNIC(reservedIPv4: try IPAddress(parsing: "192.168.122.213")),
            SandboxNIC(),
        ]
        let sandbox = try await manager.create(request)
        let xml = try await host.connection.domainXML(named: sandbox.name.value, inactive: true)
        let interfaces = "/domain/devices/interface"
        #expect(try Self.values(xml, "\(interfaces)/filterref/@filter") == Array(repeating: "clean-traffic", count: 3))
        #expect(try Self.values(xml, "\(interfaces)[1]/filterref/parameter[@name='IP']/@value") == ["192.168.122.41"])
        #expect(try Self.values(xml, "\(interfaces)[2]/filterref/parameter[@name='IP']/@value") == ["192.168.122.213"])
        #expect(try Self.values(xml, "\(interfaces)[3]/filterref/parameter").isEmpty, "\(xml)")
        try await manager.destroy(sandbox.name)
    }

    /// Without a filter there is nothing to bind: no parameters.
    @Test func noFilterNoParameters() async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        defer { Task { await host.cleanUp(bases: [base]) } }
        let manager = host.manager()
        var request = SandboxRequest(baseVM: base, name: try Self.unique("sbx-nofilter"), autoStart: false)
        request.nics = [SandboxNIC(ipv4: .fixed(try IPInterfaceAddress(parsing: "192.168.122.42/24")))]
        let sandbox = try await manager.create(request)
        let xml = try await host.connection.domainXML(named: sandbox.name.value, inactive: true)
        #expect(!xml.contains("filterref"), "\(xml)")
        try await manager.destroy(sandbox.name)
    }

    @Test func resourceLimitsReachEverySandbox() async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        defer { Task { await host.cleanUp(bases: [base]) } }
        var configuration = SandboxManager.Configuration(jobsRoot: host.jobsRoot, owner: host.owner)
        configuration.resourceLimits = ResourceLimits(
            cpu: .init(shares: 256, periodMicroseconds: 100_000, quotaMicroseconds: 50_000),
            diskIO: .init(totalBytesPerSecond: 10_485_760, totalIOPerSecond: 500),
            networkBandwidth: .init(
                inbound: .init(averageKiBPerSecond: 2_048), outbound: .init(averageKiBPerSecond: 1_024, burstKiB: 512)))
        let manager = SandboxManager(domains: host.connection, configuration: configuration)
        var request = SandboxRequest(baseVM: base, name: try Self.unique("sbx-limits"), autoStart: false)
        request.nics = [SandboxNIC(), SandboxNIC()]
        let sandbox = try await manager.create(request)
        let xml = try await host.connection.domainXML(named: sandbox.name.value, inactive: true)
        #expect(try Self.values(xml, "/domain/cputune/shares") == ["256"], "\(xml)")
        #expect(try Self.values(xml, "/domain/cputune/period") == ["100000"])
        #expect(try Self.values(xml, "/domain/cputune/quota") == ["50000"])
        let disk = "/domain/devices/disk[@device='disk']/iotune"
        #expect(try Self.values(xml, "\(disk)/total_bytes_sec") == ["10485760"], "\(xml)")
        #expect(try Self.values(xml, "\(disk)/total_iops_sec") == ["500"])
        let bandwidth = "/domain/devices/interface/bandwidth"
        #expect(try Self.values(xml, "\(bandwidth)/inbound/@average") == ["2048", "2048"], "\(xml)")
        #expect(try Self.values(xml, "\(bandwidth)/outbound/@burst") == ["512", "512"])
        try await manager.destroy(sandbox.name)
    }

    /// Limits libvirt would refuse fail the create before anything is made.
    @Test func badResourceLimitsFailBeforeAnythingIsMade() async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        defer { Task { await host.cleanUp(bases: [base]) } }
        var configuration = SandboxManager.Configuration(jobsRoot: host.jobsRoot, owner: host.owner)
        configuration.resourceLimits.cpu = .init(shares: 1)
        let manager = SandboxManager(domains: host.connection, configuration: configuration)
        let name = try Self.unique("sbx-badlimits")
        let error = await #expect(throws: SandboxError.self) {
            try await manager.create(SandboxRequest(baseVM: base, name: name, autoStart: false))
        }
        #expect(error?.code == .invalidArgument)
        #expect(try await host.connection.domain(named: name.value) == nil)
        #expect(host.jobsLeft().isEmpty)
    }

    // MARK: Block info and the disk cap

    /// The test driver implements `virDomainGetBlockInfo` with fixed sizes for its disks.
    @Test func blockInfoOfTheTestDriversDomain() async throws {
        let connection = try await LibvirtConnection(uri: "test:///default")
        defer { Task { await connection.close() } }
        let domains: any DomainManager = connection
        let byTarget = try await domains.blockInfo(named: "test", disk: "vda")
        #expect(byTarget == DiskBlockInfo(capacity: 1_099_506_450_432, allocation: 1 << 40, physical: 1 << 40))
        #expect(try await domains.blockInfo(named: "test", disk: "/guest/diskimage1") == byTarget)
        let noDomain = await #expect(throws: SandboxError.self) {
            try await domains.blockInfo(named: "no-such-domain", disk: "vda")
        }
        #expect(noDomain?.code == .notFound)
        let noDisk = await #expect(throws: SandboxError.self) {
            try await domains.blockInfo(named: "test", disk: "vdz")
        }
        #expect(noDisk?.code == .libvirt)
        #expect(String(describing: noDisk).contains("virDomainGetBlockInfo"), "\(String(describing: noDisk))")
    }

    /// On the test driver every running disk reports 1 TiB allocated: a smaller cap stops the
    /// sandbox (destroyed, still defined, job folder kept), a larger one leaves it running.
    @Test func theCapStopsARunningSandboxOnTheTestDriver() async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        defer { Task { await host.cleanUp(bases: [base]) } }
        let manager = host.manager()
        let sandbox = try await manager.create(SandboxRequest(baseVM: base, name: try Self.unique("sbx-cap")))
        #expect(try await manager.enforceDiskCap(maxBytes: 2 << 40).isEmpty)
        #expect(try await host.connection.state(named: sandbox.name.value) == .running)

        let violations = try await manager.enforceDiskCap(maxBytes: 1 << 30)
        #expect(violations.map(\.name) == [sandbox.name.value])
        #expect(violations.first?.stopped == true)
        #expect(violations.first?.disk == sandbox.overlayPath)
        #expect(violations.first?.blockInfo.allocation == 1 << 40)
        #expect(try await host.connection.state(named: sandbox.name.value) == .shutOff)
        #expect(FileManager.default.fileExists(atPath: sandbox.overlayPath))
        // Shut off now: not measured again.
        #expect(try await manager.enforceDiskCap(maxBytes: 1 << 30).isEmpty)
        try await manager.destroy(sandbox.name)
    }

    @Test func aZeroCapIsRefused() async throws {
        let host = try await TestHost.make()
        defer { Task { await host.cleanUp(bases: []) } }
        let error = await #expect(throws: SandboxError.self) { try await host.manager().enforceDiskCap(maxBytes: 0) }
        #expect(error?.code == .invalidArgument)
    }

    /// With scripted sizes: only the sandbox over the cap is stopped, one whose size cannot be read
    /// is skipped, and a failed stop is reported.
    @Test func theCapStopsOnlyWhatIsOver() async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        defer { Task { await host.cleanUp(bases: [base]) } }
        let names = try ["big", "small", "unreadable", "stuck"].map { try Self.unique("sbx-cap-\($0)") }
        let domains = ScriptedBlockInfoDomains(
            host.connection,
            sizes: [names[0].value: 900 << 20, names[1].value: 100 << 20, names[3].value: 901 << 20],
            failDestroy: [names[3].value])
        let manager = host.manager(domains: domains)
        for name in names { _ = try await manager.create(SandboxRequest(baseVM: base, name: name)) }
        let violations = try await manager.enforceDiskCap(maxBytes: 500 << 20)
        #expect(violations.map(\.name) == [names[0].value, names[3].value])
        #expect(violations.map(\.stopped) == [true, false])
        #expect(violations.last?.error?.contains("injected") == true)
        #expect(violations.first?.blockInfo.allocation == 900 << 20)
        #expect(violations.first?.maxBytes == 500 << 20)
        #expect(try await host.connection.state(named: names[0].value) == .shutOff)
        for name in names.dropFirst() { #expect(try await host.connection.state(named: name.value) == .running) }
        // Each overlay was asked for by its path.
        let overlays: [String] = names.map { (name: SandboxName) -> String in
            "\(host.jobsRoot)/\(name.value)/\(SandboxManager.JobFile.overlay)"
        }
        #expect(Set(domains.asked.get()) == Set(overlays))
        let plain = host.manager()
        for name in names { try await plain.destroy(name) }
    }
}

/// Forwards to a real domain manager but reports scripted disk sizes, and fails `destroy` for
/// some domains.
final class ScriptedBlockInfoDomains: ForwardingDomains, Sendable {
    let inner: any DomainManager
    let sizes: [String: UInt64]
    let failDestroy: Set<String>
    /// Every disk asked for.
    let asked = Locked<[String]>([])

    init(_ inner: any DomainManager, sizes: [String: UInt64], failDestroy: Set<String> = []) {
        self.inner = inner
        self.sizes = sizes
        self.failDestroy = failDestroy
    }

    func blockInfo(named name: String, disk: String) async throws(SandboxError) -> DiskBlockInfo {
        asked.set(asked.get() + [disk])
        guard let size = sizes[name] else { throw SandboxError(.libvirt, "no block info for \(name)") }
        return DiskBlockInfo(capacity: 16 << 20, allocation: size, physical: size)
    }

    func destroy(named name: String) async throws(SandboxError) {
        if failDestroy.contains(name) { throw SandboxError(.libvirt, "injected destroy failure") }
        try await inner.destroy(named: name)
    }
}

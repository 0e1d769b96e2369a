import Foundation
import FoundationXML
import SandboxCoreTesting
import Testing

@testable import SandboxCore

/// Job folder and file permissions, names that cannot leave the jobs folder, and the NIC's
/// network filter.
@Suite struct IsolationTests {
    static func mode(_ path: String) -> UInt16 {
        var status = stat()
        guard stat(path, &status) == 0 else { return 0xffff }
        return UInt16(status.st_mode & 0o7777)
    }

    @Test func jobFoldersAre0700AndTheirFiles0600() async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        defer { Task { await host.cleanUp(bases: [base]) } }
        let manager = host.manager()
        let sandbox = try await manager.create(
            SandboxRequest(baseVM: base, name: try SandboxName("sbx-perm-\(host.owner)"), autoStart: false))
        #expect(Self.mode(sandbox.jobDirectory) == 0o700)
        let files = HostSnapshot.listFiles(under: sandbox.jobDirectory)
        #expect(files.count == 5, "\(files)")
        for file in files {
            #expect(Self.mode(sandbox.jobDirectory + "/" + file) == 0o600, "\(file)")
        }
        try await manager.destroy(sandbox.name)
    }

    @Test func acceptedNamesNeverLeaveTheJobsFolder() throws {
        var random = SeededRandom(seed: 0x15_0_1A7E)
        let alphabet = Array("aab0./\\-_ ~%:\u{0}\n*")
        let root = "/var/lib/sandboxcore/jobs"
        var accepted = 0
        for _ in 0..<20000 {
            let text = random.string(from: alphabet, lengths: 1...12)
            guard let name = try? SandboxName(text) else { continue }
            accepted += 1
            let path = URL(fileURLWithPath: root + "/" + name.value).standardizedFileURL
            #expect(path.deletingLastPathComponent().path == root, "\(text)")
            #expect(path.lastPathComponent == name.value, "\(text)")
            #expect(!name.value.contains("/") && name.value != "." && name.value != "..", "\(text)")
        }
        #expect(accepted > 100)
    }

    @Test func rendererPutsTheFilterOnTheNIC() throws {
        let spec = DomainSpec(
            name: try SandboxName("sbx-filter"), disk: .init(path: "/d.qcow2"), seedISOPath: nil,
            nic: .init(
                source: .network("default"), mac: try MACAddress(parsing: "52:54:00:00:00:01"), filter: "clean-traffic")
        )
        let xml = try DomainXMLRenderer().render(spec)
        #expect(xml.contains("<filterref filter='clean-traffic'/>"))
        var bad = spec
        bad.nic.filter = "clean'/><x"
        #expect(throws: SandboxError.self) { try DomainXMLRenderer().render(bad) }
    }

    @Test(.enabled(if: ExternalTool.exists("/usr/bin/virt-xml-validate"))) func libvirtSchemaAcceptsTheFilter() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let spec = DomainSpec(
            name: try SandboxName("sbx-filter"), disk: .init(path: "/d.qcow2"), seedISOPath: "/s.iso",
            nic: .init(
                source: .network("default"), mac: try MACAddress(parsing: "52:54:00:00:00:01"), filter: "clean-traffic")
        )
        let path = try folder.write(try DomainXMLRenderer().render(spec), to: "domain.xml")
        let result = try ExternalTool.run("/usr/bin/virt-xml-validate", [path, "domain"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    }

    /// `clean-traffic` by default when the connection has it; none when it does not or when asked.
    @Test(
        arguments: [
            (Set(["clean-traffic"]), NetworkFilterPolicy.cleanTrafficIfAvailable, "clean-traffic"),
            (Set<String>(), NetworkFilterPolicy.cleanTrafficIfAvailable, nil),
            (Set(["clean-traffic"]), NetworkFilterPolicy.none, nil),
            (Set(["clean-traffic", "mine"]), NetworkFilterPolicy.named("mine"), "mine"),
        ] as [(Set<String>, NetworkFilterPolicy, String?)])
    func sandboxNICsGetTheFilter(filters: Set<String>, policy: NetworkFilterPolicy, expected: String?) async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        defer { Task { await host.cleanUp(bases: [base]) } }
        var configuration = SandboxManager.Configuration(jobsRoot: host.jobsRoot, owner: host.owner)
        configuration.networkFilter = policy
        let manager = SandboxManager(
            domains: FaultyDomainManager(host.connection, networkFilters: filters), configuration: configuration)
        let name = try SandboxName("sbx-nf-" + UUID().uuidString.prefix(8).lowercased())
        _ = try await manager.create(SandboxRequest(baseVM: base, name: name, autoStart: false))
        let xml = try await host.connection.domainXML(named: name.value, inactive: true)
        let root = try #require(try XMLDocument(xmlString: xml, options: []).rootElement())
        #expect(try root.nodes(forXPath: "/domain/devices/interface/filterref/@filter").first?.stringValue == expected)
        try await manager.destroy(name)
    }

    @Test func theTestDriverHasNoNetworkFilters() async throws {
        let connection = try await LibvirtConnection(uri: "test:///default")
        #expect(try await connection.networkFilterExists(named: "clean-traffic") == false)
        await connection.close()
    }
}

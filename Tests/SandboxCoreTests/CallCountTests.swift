import SandboxCoreTesting
import Testing

@testable import SandboxCore

/// How many libvirt calls (and XML fetches) an operation costs on `test:///default`, counted by
/// ``CountingDomains``. The full table goes to the log; only what must happen is asserted.
@Suite struct CallCountTests {
    @Test func libvirtCallsAndXMLFetchesPerCreate() async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        defer { Task { await host.cleanUp(bases: [base]) } }
        let counting = CountingDomains(host.connection)
        let manager = host.manager(domains: counting)
        counting.reset()

        // The first create of a manager reads every domain's XML once (for the MACs in use, then
        // cached by UUID); later ones read only domains new to it.
        var sandboxes: [SandboxName] = []
        for round in ["first create of a manager", "second create"] {
            counting.reset()
            sandboxes.append(try await manager.create(SandboxRequest(baseVM: base)).name)
            let counts = counting.counts
            print("libvirt calls per create (\(round), test:///default):\n\(counting.table)")
            #expect(counts[.define] == 1)
            #expect(counts[.start] == 1)
            #expect(counts[.domainXML, default: 0] >= 1)  // the base's XML
        }

        for name in sandboxes { try await manager.destroy(name) }
    }

    @Test func libvirtCallsAndXMLFetchesPerIPPoll() async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        defer { Task { await host.cleanUp(bases: [base]) } }
        let counting = CountingDomains(host.connection)
        let manager = host.manager(domains: counting)
        let sandbox = try await manager.create(SandboxRequest(baseVM: base))
        counting.reset()

        // The manager that made the sandbox knows its NIC and network: a poll asks the sources only.
        _ = try await manager.ipAddress(of: sandbox.name)
        let counts = counting.counts
        print("libvirt calls per IP poll (ipAddress(of:), the creating manager):\n\(counting.table)")
        #expect(counts[.domainXML, default: 0] == 0)
        #expect(counts[.metadata, default: 0] == 0)
        let sources: [CountingDomains.Call] = [.interfaceAddresses, .networkDHCPLeases, .agentCommand]
        #expect(sources.map { counts[$0, default: 0] }.reduce(0, +) >= 1)  // at least one address source asked

        // Another manager (another process) reads the sandbox once per lookup: its persistent XML.
        let other = host.manager(domains: counting)
        counting.reset()
        _ = try await other.handle(named: sandbox.name).ipAddress()
        print("libvirt calls per IP poll (ipAddress(), another manager):\n\(counting.table)")
        #expect(counts[.domainXML, default: 0] == 0)
        #expect(counting.counts[.domainXML] == 1)
        #expect(counting.counts[.metadata, default: 0] == 0)

        try await manager.destroy(sandbox.name)
    }
}

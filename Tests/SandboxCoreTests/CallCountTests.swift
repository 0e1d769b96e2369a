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

        _ = try await manager.ipAddress(of: sandbox.name)
        let counts = counting.counts
        print("libvirt calls per IP poll (ipAddress(of:), test:///default):\n\(counting.table)")
        #expect(counts[.domainXML, default: 0] >= 1)  // the sandbox's MAC
        let sources: [CountingDomains.Call] = [.interfaceAddresses, .networkDHCPLeases, .agentCommand]
        #expect(sources.map { counts[$0, default: 0] }.reduce(0, +) >= 1)  // at least one address source asked

        try await manager.destroy(sandbox.name)
    }
}

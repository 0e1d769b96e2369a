import Foundation
import Testing

@testable import SandboxCore

/// The TTL is bounded on create and saturates when read back; a NIC's address is never the
/// network's own, its network or broadcast address, or an address someone else holds.
@Suite struct AddressAndTTLLimitsTests {
    @Test func expirySaturatesInsteadOfTrapping() {
        #expect(SandboxMetadata.expiry(createdAt: 100, ttlSeconds: 50) == 150)
        #expect(SandboxMetadata.expiry(createdAt: 100, ttlSeconds: nil) == nil)
        #expect(SandboxMetadata.expiry(createdAt: 1_700_000_000, ttlSeconds: Int.max) == Int64.max)
        #expect(SandboxMetadata.expiry(createdAt: .max, ttlSeconds: 1) == Int64.max)
        #expect(SandboxMetadata.expiry(createdAt: .min, ttlSeconds: -1) == Int64.min)
        #expect(SandboxMetadata.expiry(createdAt: -5, ttlSeconds: Int.max) == Int64.max - 5)
    }

    @Test(arguments: [0, -1, SandboxMetadata.maxTTLSeconds + 1, Int.max, Int.min])
    func aTTLOutsideTenYearsIsRefusedBeforeAnythingIsMade(ttl: Int) async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        defer { Task { await host.cleanUp(bases: [base]) } }
        let name = try SandboxName("sbx-ttl-\(UUID().uuidString.prefix(6).lowercased())")
        let request = SandboxRequest(baseVM: base, name: name, autoStart: false, ttlSeconds: ttl)
        let error = await #expect(throws: SandboxError.self) { try await host.manager().create(request) }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains("TTL") == true, "\(String(describing: error))")
        #expect(try await host.connection.domain(named: name.value) == nil)
        #expect(host.jobsLeft().isEmpty)
    }

    @Test func theLongestTTLIsAccepted() async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        defer { Task { await host.cleanUp(bases: [base]) } }
        let manager = host.manager()
        let sandbox = try await manager.create(
            SandboxRequest(baseVM: base, autoStart: false, ttlSeconds: SandboxMetadata.maxTTLSeconds))
        #expect(sandbox.expiresAt == sandbox.createdAt + Int64(SandboxMetadata.maxTTLSeconds))
        try await manager.destroy(sandbox.name)
    }

    /// A domain someone defined with TTL = Int64.max (and one created at Int64.max) lists without a trap.
    @Test func aHugeTTLInExistingMetadataLists() async throws {
        let host = try await TestHost.make()
        let name = "sbx-huge-\(UUID().uuidString.prefix(6).lowercased())"
        _ = try await host.connection.define(
            xml: Self.domainXML(name: name, owner: host.owner, created: "1700000000", ttl: String(Int64.max)))
        defer { Task { try? await host.connection.undefine(named: name) } }
        let listed = try await host.manager().list()
        #expect(listed.map(\.name) == [name])
        #expect(listed.first?.ttlSeconds == Int.max)
        #expect(listed.first?.expiresAt == Int64.max)
    }

    static func domainXML(name: String, owner: String, created: String, ttl: String) -> String {
        """
        <domain type='test'>
          <name>\(name)</name>
          <metadata><sandbox:sandbox xmlns:sandbox='\(SandboxMetadata.namespaceURI)'>
            <sandbox:owner>\(owner)</sandbox:owner><sandbox:base>base-x</sandbox:base>
            <sandbox:created>\(created)</sandbox:created><sandbox:ttl>\(ttl)</sandbox:ttl>
          </sandbox:sandbox></metadata>
          <memory unit='KiB'>131072</memory><vcpu>1</vcpu>
          <os><type arch='x86_64'>hvm</type></os>
        </domain>
        """
    }

    @Test(arguments: [
        ("192.168.122.1", "own address"), ("192.168.122.0", "network address"),
        ("192.168.122.255", "broadcast address"),
    ])
    func theNetworksOwnNetworkAndBroadcastAddressesAreRefused(address: String, reason: String) async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        defer { Task { await host.cleanUp(bases: [base]) } }
        let ip = try IPAddress(parsing: address)
        let nics = [
            SandboxNIC(reservedIPv4: ip),
            SandboxNIC(ipv4: .fixed(try IPInterfaceAddress(address: ip, prefixLength: 16), gateway: nil)),
        ]
        for nic in nics {
            var request = SandboxRequest(baseVM: base, name: try SandboxName("sbx-edge"), autoStart: false)
            request.nics = [nic]
            let error = await #expect(throws: SandboxError.self) { try await host.manager().create(request) }
            #expect(error?.code == .invalidArgument)
            #expect(error?.message.contains(reason) == true, "\(String(describing: error))")
            #expect(try await host.connection.domain(named: "sbx-edge") == nil)
            #expect(host.jobsLeft().isEmpty)
            #expect(try await !host.connection.networkXML(named: "default").contains("ip='\(address)'"))
        }
    }

    @Test func aFixedAddressOnTheEdgeOfItsOwnPrefixIsRefused() async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        defer { Task { await host.cleanUp(bases: [base]) } }
        for text in ["10.20.30.0/24", "10.20.30.255/24"] {
            var request = SandboxRequest(baseVM: base, name: try SandboxName("sbx-edge2"), autoStart: false)
            request.nics = [SandboxNIC(ipv4: .fixed(try IPInterfaceAddress(parsing: text), gateway: nil))]
            let error = await #expect(throws: SandboxError.self) { try await host.manager().create(request) }
            #expect(error?.code == .invalidArgument, "\(text)")
        }
        #expect(host.jobsLeft().isEmpty)
    }

    @Test func aFixedAddressAnotherNICHasReservedIsTaken() async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        defer { Task { await host.cleanUp(bases: [base]) } }
        let manager = host.manager()
        var first = SandboxRequest(baseVM: base, autoStart: false)
        first.nics = [SandboxNIC(reservedIPv4: try IPAddress(parsing: "192.168.122.211"))]
        let holder = try await manager.create(first)
        var second = SandboxRequest(baseVM: base, name: try SandboxName("sbx-squatter"), autoStart: false)
        second.nics = [
            SandboxNIC(ipv4: .fixed(try IPInterfaceAddress(parsing: "192.168.122.211/24"), gateway: nil))
        ]
        let error = await #expect(throws: SandboxError.self) { try await manager.create(second) }
        #expect(error?.code == .nameTaken)
        #expect(try await host.connection.domain(named: "sbx-squatter") == nil)
        // A usable address next to it is fine.
        second.nics = [
            SandboxNIC(ipv4: .fixed(try IPInterfaceAddress(parsing: "192.168.122.212/24"), gateway: nil))
        ]
        let fine = try await manager.create(second)
        try await manager.destroy(fine.name)
        try await manager.destroy(holder.name)
    }

    @Test func subnetEdges() throws {
        func edge(_ text: String) throws -> String? {
            let address = try IPInterfaceAddress(parsing: text)
            return SandboxManager.subnetEdge(address.address, prefixLength: address.prefixLength)
        }
        #expect(try edge("10.0.0.0/8") == "the network address")
        #expect(try edge("10.255.255.255/8") == "the broadcast address")
        #expect(try edge("10.0.0.1/8") == nil)
        #expect(try edge("10.0.0.0/31") == nil)
        #expect(try edge("10.0.0.1/32") == nil)
        #expect(try edge("fd00::/64") == "the network address")
        #expect(try edge("fd00::ffff:ffff:ffff:ffff/64") == nil)
    }
}

import Foundation
import SandboxCoreTesting
import Testing

@testable import SandboxCore
@testable import SandboxSeed

/// Network options through the whole create/destroy path on libvirt's test driver: several NICs in
/// the domain and the seed, DHCP reservations added to and removed from the network, a ConfigDrive
/// seed, and rollback when libvirt refuses a reservation.
@Suite struct SandboxNetworkingTests {
    /// Through the protocol (as `SandboxManager` calls it) the connection's own network calls run:
    /// a protocol-extension default once shadowed an actor's method here.
    @Test func theProtocolReachesLibvirtsNetworkCalls() async throws {
        let host = try await TestHost.make()
        defer { Task { await host.cleanUp(bases: []) } }
        let domains: any DomainManager = host.connection
        #expect(try await domains.networkXML(named: "default").contains("<name>default</name>"))
    }

    @Test func twoNICsReachTheDomainAndTheSeed() async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        defer { Task { await host.cleanUp(bases: [base]) } }
        let manager = host.manager()
        let fixedMAC = try MACAddress(parsing: "52:54:00:aa:01:02")
        var request = SandboxRequest(baseVM: base, name: try SandboxName("sbx-twonics"))
        request.nics = [
            SandboxNIC(
                ipv4: .fixed(try IPInterfaceAddress(parsing: "192.168.122.40/24"), gateway: IPAddress("192.168.122.1")),
                nameservers: [try IPAddress(parsing: "192.168.122.1")]),
            SandboxNIC(network: .network("default"), mac: fixedMAC, ipv6: .slaac),
        ]
        let sandbox = try await manager.create(request)
        #expect(sandbox.interfaces.map(\.name) == ["eth0", "eth1"])
        #expect(sandbox.interfaces[1].mac == fixedMAC)
        #expect(sandbox.interfaces[0].fixedAddresses.map(\.description) == ["192.168.122.40/24"])
        let xml = try await host.connection.domainXML(named: "sbx-twonics", inactive: true)
        #expect(xml.components(separatedBy: "<interface type='network'>").count == 3)
        #expect(xml.contains("<mac address='\(sandbox.mac)'/>"))
        #expect(xml.contains("<mac address='52:54:00:aa:01:02'/>"))
        let network = try String(contentsOfFile: sandbox.jobDirectory + "/network-config", encoding: .utf8)
        #expect(network.contains("\"192.168.122.40/24\""))
        #expect(network.contains("macaddress: \"52:54:00:aa:01:02\""))
        #expect(network.contains("accept-ra: true"))

        // The fixed MAC is taken now: a second sandbox asking for it is refused, and leaves nothing.
        var again = SandboxRequest(baseVM: base, name: try SandboxName("sbx-samemac"))
        again.nics = [SandboxNIC(mac: fixedMAC)]
        let error = await #expect(throws: SandboxError.self) { try await manager.create(again) }
        #expect(error?.code == .nameTaken)
        #expect(!FileManager.default.fileExists(atPath: host.jobsRoot + "/sbx-samemac"))
        try await manager.destroy(sandbox.name)
    }

    @Test func aReservationIsAddedAndRemovedWithTheSandbox() async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        defer { Task { await host.cleanUp(bases: [base]) } }
        let manager = host.manager()
        var request = SandboxRequest(baseVM: base, name: try SandboxName("sbx-reserved"))
        request.nics = [SandboxNIC(reservedIPv4: try IPAddress(parsing: "192.168.122.201"))]
        let sandbox = try await manager.create(request)
        let withHost = try await host.connection.networkXML(named: "default")
        #expect(withHost.contains("mac='\(sandbox.mac)'"), "\(withHost)")
        #expect(withHost.contains("ip='192.168.122.201'"))
        try await manager.destroy(sandbox.name)
        let after = try await host.connection.networkXML(named: "default")
        #expect(!after.contains("\(sandbox.mac)"), "\(after)")
        #expect(!after.contains("192.168.122.201"))
    }

    /// An address outside the network, or reserved for another MAC, is refused before anything is made.
    @Test func aReservationOffTheNetworkOrTakenIsRefused() async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        defer { Task { await host.cleanUp(bases: [base]) } }
        let manager = host.manager()
        var request = SandboxRequest(baseVM: base, name: try SandboxName("sbx-badreserve"))
        request.nics = [SandboxNIC(), SandboxNIC(reservedIPv4: try IPAddress(parsing: "10.99.0.5"))]
        let error = await #expect(throws: SandboxError.self) { try await manager.create(request) }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains("192.168.122.") == true, "\(String(describing: error))")
        #expect(try await host.connection.domain(named: "sbx-badreserve") == nil)
        #expect(!FileManager.default.fileExists(atPath: host.jobsRoot + "/sbx-badreserve"))
        #expect(try await !host.connection.networkXML(named: "default").contains("10.99.0.5"))

        var first = SandboxRequest(baseVM: base, name: try SandboxName("sbx-holder"))
        first.nics = [SandboxNIC(reservedIPv4: try IPAddress(parsing: "192.168.122.203"))]
        let holder = try await manager.create(first)
        var second = SandboxRequest(baseVM: base, name: try SandboxName("sbx-thief"))
        second.nics = [SandboxNIC(reservedIPv4: try IPAddress(parsing: "192.168.122.203"))]
        let taken = await #expect(throws: SandboxError.self) { try await manager.create(second) }
        #expect(taken?.code == .nameTaken)
        try await manager.destroy(holder.name)
        #expect(try await !host.connection.networkXML(named: "default").contains("192.168.122.203"))
    }

    /// libvirt fails after the reservation was added: the rollback removes it with everything else.
    @Test func aFailedStartRemovesTheReservation() async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        defer { Task { await host.cleanUp(bases: [base]) } }
        let manager = host.manager(domains: FaultyDomainManager(host.connection, failStart: true))
        var request = SandboxRequest(baseVM: base, name: try SandboxName("sbx-failstart"))
        request.nics = [SandboxNIC(reservedIPv4: try IPAddress(parsing: "192.168.122.204"))]
        let error = await #expect(throws: SandboxError.self) { try await manager.create(request) }
        #expect(error?.code == .libvirt)
        #expect(try await host.connection.domain(named: "sbx-failstart") == nil)
        #expect(!FileManager.default.fileExists(atPath: host.jobsRoot + "/sbx-failstart"))
        // Other tests share the test driver's network: only this test's address is checked.
        let after = try await host.connection.networkXML(named: "default")
        #expect(!after.contains("192.168.122.204"), "\(after)")
    }

    @Test func aConfigDriveSandboxGetsAConfig2Seed() async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        defer { Task { await host.cleanUp(bases: [base]) } }
        let manager = host.manager()
        var request = SandboxRequest(baseVM: base, name: try SandboxName("sbx-configdrive"))
        request.seedFormat = .configDrive
        let sandbox = try await manager.create(request)
        let meta = try String(contentsOfFile: sandbox.jobDirectory + "/meta_data.json", encoding: .utf8)
        #expect(meta.contains("\"uuid\":\"sbx-configdrive\""))
        let iso = try Data(contentsOf: URL(fileURLWithPath: sandbox.seedISOPath))
        // The primary volume descriptor's volume id (sector 16, offset 40).
        let label = String(decoding: iso[(16 * 2048 + 40)..<(16 * 2048 + 48)], as: UTF8.self)
        #expect(label == "config-2")
        try await manager.destroy(sandbox.name)
    }
}

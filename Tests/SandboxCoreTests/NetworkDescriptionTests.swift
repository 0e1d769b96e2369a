import Testing

@testable import SandboxCore

/// A network's XML read once into ``NetworkDescription``: subnets from a netmask or a prefix,
/// DHCP ranges, host reservations in either quote style, re-rendered escaped.
@Suite struct NetworkDescriptionTests {
    static let xml = """
        <network>
          <name>sandbox-net</name>
          <bridge name='virbr9'/>
          <ip address='192.168.50.1' netmask='255.255.255.0'>
            <dhcp>
              <range start='192.168.50.100' end='192.168.50.200'/>
              <host mac='52:54:00:AA:00:01' name='a&amp;b' ip='192.168.50.10'/>
              <host mac="52:54:00:aa:00:02" ip="192.168.50.11"/>
            </dhcp>
          </ip>
          <ip address='10.9.0.1' prefix='16'/>
          <ip family='ipv6' address='fd00::1' prefix='64'>
            <dhcp><range start='fd00::100' end='fd00::1ff'/></dhcp>
          </ip>
        </network>
        """

    @Test func subnetsRangesAndHosts() throws {
        let network = try #require(NetworkDescription(xml: Self.xml))
        #expect(network.ipv4Subnets.map(\.description) == ["192.168.50.1/24", "10.9.0.1/16"])
        #expect(network.dhcpRanges == ["192.168.50.100-192.168.50.200", "fd00::100-fd00::1ff"])
        #expect(network.dhcpHosts.count == 2)
        #expect(network.dhcpHosts[0].mac == MACAddress("52:54:00:aa:00:01"))
        #expect(network.dhcpHosts[0].name == "a&b")
        #expect(network.dhcpHosts[0].xml == "<host mac='52:54:00:aa:00:01' name='a&amp;b' ip='192.168.50.10'/>")
        #expect(network.dhcpHosts[1].ip == IPAddress("192.168.50.11"))
    }

    @Test func theManagersLookupsUseIt() throws {
        let reserved = SandboxManager.dhcpHostEntries(in: Self.xml, ip: try #require(IPAddress("192.168.50.11")))
        #expect(reserved == ["<host mac='52:54:00:aa:00:02' ip='192.168.50.11'/>"])
        let byMAC = SandboxManager.dhcpHostEntries(in: Self.xml, macs: [try #require(MACAddress("52:54:00:aa:00:01"))])
        #expect(byMAC.count == 1)
        #expect(SandboxManager.ipv4Subnets(in: "<network/>").isEmpty)
    }

    @Test func notANetworkIsNil() {
        #expect(NetworkDescription(xml: "") == nil)
        #expect(NetworkDescription(xml: "<domain/>") == nil)
    }
}

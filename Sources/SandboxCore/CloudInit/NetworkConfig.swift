/// The NoCloud `network-config` file (cloud-init network config version 2).
///
/// The default for a sandbox is ``dhcp(mac:interfaceName:)``: the NIC is matched by its MAC
/// address and renamed with `set-name`, so netplan, ENI (ifupdown) and networkd guests all render
/// a stanza for the real device. A `match: {driver: virtio*}` config renders to a non-existent
/// `id0` on ENI guests and is deliberately not offered as a default.
public struct NetworkConfig: Sendable, Hashable, Codable {
    public struct Ethernet: Sendable, Hashable, Codable {
        /// The config's id for this NIC (also the name it gets via `set-name`).
        public var interfaceName: String
        /// The NIC's MAC address; the match key.
        public var mac: MACAddress
        public var dhcp4: Bool
        public var dhcp6: Bool
        /// Send the MAC as DHCP client identifier (clones share `/etc/machine-id`, so the default
        /// DUID-based identifier would collide).
        public var dhcpIdentifierMAC: Bool

        public init(
            interfaceName: String = "eth0", mac: MACAddress, dhcp4: Bool = true, dhcp6: Bool = false,
            dhcpIdentifierMAC: Bool = true
        ) {
            self.interfaceName = interfaceName
            self.mac = mac
            self.dhcp4 = dhcp4
            self.dhcp6 = dhcp6
            self.dhcpIdentifierMAC = dhcpIdentifierMAC
        }
    }

    public var ethernets: [Ethernet]

    public init(ethernets: [Ethernet]) {
        self.ethernets = ethernets
    }

    /// One NIC matched by `mac`, renamed to `interfaceName`, with DHCPv4 and `dhcp-identifier: mac`.
    public static func dhcp(mac: MACAddress, interfaceName: String = "eth0") -> NetworkConfig {
        NetworkConfig(ethernets: [Ethernet(interfaceName: interfaceName, mac: mac)])
    }

    func validate() throws(SandboxError) {
        guard !ethernets.isEmpty else { throw .invalid("network-config needs at least one NIC") }
        var names = Set<String>()
        var macs = Set<MACAddress>()
        for nic in ethernets {
            // Linux interface names: 1–15 bytes, no '/', whitespace or ':'.
            guard (1...15).contains(nic.interfaceName.utf8.count),
                nic.interfaceName.utf8.allSatisfy({ Hostname.isLabelByte($0) || $0 == UInt8(ascii: "_") }),
                nic.interfaceName.first?.isLetter == true
            else {
                throw .invalid(
                    "interface name \(ValueChecks.quoted(nic.interfaceName)) must be 1–15 letters, digits, '-' or '_', starting with a letter"
                )
            }
            guard names.insert(nic.interfaceName).inserted else {
                throw .invalid("interface name \(nic.interfaceName) is used twice")
            }
            guard macs.insert(nic.mac).inserted else { throw .invalid("MAC address \(nic.mac) is used twice") }
        }
    }
}

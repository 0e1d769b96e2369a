import SandboxValues

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
        /// DHCPv6 (stateful addresses; router advertisements stay on).
        public var dhcp6: Bool
        /// Send the MAC as DHCP client identifier (clones share `/etc/machine-id`, so the default
        /// DUID-based identifier would collide).
        public var dhcpIdentifierMAC: Bool
        /// Router advertisements (SLAAC): true to accept, false to refuse, nil for the guest's default.
        public var acceptRA: Bool?
        /// Static addresses with their prefix lengths, IPv4 and IPv6 mixed.
        public var addresses: [IPInterfaceAddress]
        /// IPv4 default gateway; must be on the subnet of one of the static IPv4 addresses.
        public var gateway4: IPAddress?
        /// IPv6 default gateway; on a static IPv6 subnet or link-local (`fe80::1`).
        public var gateway6: IPAddress?
        /// DNS servers.
        public var nameservers: [IPAddress]
        /// DNS search domains: dot-separated host-name labels, at most 253 bytes each.
        public var searchDomains: [String]

        public init(
            interfaceName: String = "eth0", mac: MACAddress, dhcp4: Bool = true, dhcp6: Bool = false,
            dhcpIdentifierMAC: Bool = true, acceptRA: Bool? = nil, addresses: [IPInterfaceAddress] = [],
            gateway4: IPAddress? = nil, gateway6: IPAddress? = nil, nameservers: [IPAddress] = [],
            searchDomains: [String] = []
        ) {
            self.interfaceName = interfaceName
            self.mac = mac
            self.dhcp4 = dhcp4
            self.dhcp6 = dhcp6
            self.dhcpIdentifierMAC = dhcpIdentifierMAC
            self.acceptRA = acceptRA
            self.addresses = addresses
            self.gateway4 = gateway4
            self.gateway6 = gateway6
            self.nameservers = nameservers
            self.searchDomains = searchDomains
        }

        /// Whether the NIC asks a DHCP server (v4 or v6) for anything.
        public var usesDHCP: Bool { dhcp4 || dhcp6 }

        func validate() throws(SandboxError) {
            // Linux interface names: 1–15 bytes, no '/', whitespace or ':'.
            guard (1...15).contains(interfaceName.utf8.count),
                interfaceName.utf8.allSatisfy({ Hostname.isLabelByte($0) || $0 == UInt8(ascii: "_") }),
                interfaceName.first?.isLetter == true
            else {
                throw .invalid(
                    "interface name \(ValueChecks.quoted(interfaceName)) must be 1–15 letters, digits, '-' or '_', starting with a letter"
                )
            }
            guard Set(addresses.map(\.address)).count == addresses.count else {
                throw .invalid("\(interfaceName): an address is listed twice")
            }
            for (gateway, family) in [(gateway4, IPAddressFamily.ipv4), (gateway6, .ipv6)] {
                guard let gateway else { continue }
                guard gateway.family == family else {
                    throw .invalid("\(interfaceName): gateway \(gateway) is not an \(family) address")
                }
                try gateway.requireUnicast(what: "\(interfaceName): gateway")
                let linkLocal = AddressSelection.classify(gateway.description)?.scope == .linkLocal
                guard addresses.contains(where: { $0.contains(gateway) }) || (family == .ipv6 && linkLocal) else {
                    throw .invalid(
                        "\(interfaceName): gateway \(gateway) is on none of the static \(family) subnets of the NIC")
                }
                guard !addresses.contains(where: { $0.address == gateway }) else {
                    throw .invalid("\(interfaceName): gateway \(gateway) is the NIC's own address")
                }
            }
            for server in nameservers { try server.requireUnicast(what: "\(interfaceName): nameserver") }
            for domain in searchDomains {
                let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
                guard domain.utf8.count <= 253,
                    labels.allSatisfy({ (try? Hostname(String($0))) != nil })
                else {
                    throw .invalid(
                        "\(interfaceName): search domain \(ValueChecks.quoted(domain)) must be dot-separated host-name labels"
                    )
                }
            }
            guard nameservers.count <= 8, searchDomains.count <= 8 else {
                throw .invalid("\(interfaceName): at most 8 nameservers and 8 search domains")
            }
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

    package func validate() throws(SandboxError) {
        guard !ethernets.isEmpty else { throw .invalid("network-config needs at least one NIC") }
        var names = Set<String>()
        var macs = Set<MACAddress>()
        for nic in ethernets {
            try nic.validate()
            guard names.insert(nic.interfaceName).inserted else {
                throw .invalid("interface name \(nic.interfaceName) is used twice")
            }
            guard macs.insert(nic.mac).inserted else { throw .invalid("MAC address \(nic.mac) is used twice") }
        }
        guard ethernets.filter({ $0.gateway4 != nil }).count <= 1, ethernets.filter({ $0.gateway6 != nil }).count <= 1
        else { throw .invalid("only one NIC may have an IPv4 gateway and only one an IPv6 gateway") }
    }
}

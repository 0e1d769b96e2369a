/// One network interface a sandbox asks for: where it is plugged in and how the guest addresses it.
///
/// The default is what a sandbox gets without asking: DHCPv4 on the base's network (or the
/// manager's default network), IPv6 left to the guest's defaults.
public struct SandboxNIC: Sendable, Hashable, Codable {
    /// How the guest configures IPv4 on the NIC.
    public enum IPv4: Sendable, Hashable, Codable {
        /// DHCPv4 (the MAC is the client identifier).
        case dhcp
        /// A fixed address with its prefix, and the default gateway when the NIC should carry the
        /// default route.
        case fixed(IPInterfaceAddress, gateway: IPAddress? = nil)
        /// No IPv4 at all.
        case disabled
    }

    /// How the guest configures IPv6 on the NIC.
    public enum IPv6: Sendable, Hashable, Codable {
        /// The guest's own defaults (usually: accept router advertisements).
        case guestDefault
        /// Stateless autoconfiguration from router advertisements.
        case slaac
        /// DHCPv6 (router advertisements stay on).
        case dhcp
        /// A fixed address with its prefix, and optionally the default gateway (may be link-local).
        case fixed(IPInterfaceAddress, gateway: IPAddress? = nil)
        /// No router advertisements, no DHCPv6, no fixed address.
        case disabled
    }

    /// The network or bridge; nil means the base's NIC's (or, without one, the manager's default
    /// network).
    public var network: DomainSpec.NIC.Source?
    /// The NIC's MAC address; a fresh one unused on the connection when nil. A given MAC must not
    /// belong to any other domain.
    public var mac: MACAddress?
    public var ipv4: IPv4
    public var ipv6: IPv6
    public var nameservers: [IPAddress]
    public var searchDomains: [String]
    /// Reserve this IPv4 address for the NIC in the libvirt network's DHCP server (a `<host>` entry
    /// with the MAC, address and host name), removed again when the sandbox is destroyed. Needs
    /// ``IPv4/dhcp`` and a libvirt network (not a bridge) whose DHCP range the address may be in.
    public var reservedIPv4: IPAddress?

    public init(
        network: DomainSpec.NIC.Source? = nil, mac: MACAddress? = nil, ipv4: IPv4 = .dhcp,
        ipv6: IPv6 = .guestDefault, nameservers: [IPAddress] = [], searchDomains: [String] = [],
        reservedIPv4: IPAddress? = nil
    ) {
        self.network = network
        self.mac = mac
        self.ipv4 = ipv4
        self.ipv6 = ipv6
        self.nameservers = nameservers
        self.searchDomains = searchDomains
        self.reservedIPv4 = reservedIPv4
    }

    /// The most NICs a sandbox may have.
    public static let maxCount = 8

    /// The cloud-init description of this NIC as `interfaceName` with `mac`.
    func ethernet(interfaceName: String, mac: MACAddress) -> NetworkConfig.Ethernet {
        var nic = NetworkConfig.Ethernet(
            interfaceName: interfaceName, mac: mac, dhcp4: false, nameservers: nameservers,
            searchDomains: searchDomains)
        switch ipv4 {
        case .dhcp: nic.dhcp4 = true
        case .fixed(let address, let gateway):
            nic.addresses.append(address)
            nic.gateway4 = gateway
        case .disabled: break
        }
        switch ipv6 {
        case .guestDefault: break
        case .slaac: nic.acceptRA = true
        case .dhcp: nic.dhcp6 = true
        case .fixed(let address, let gateway):
            nic.addresses.append(address)
            nic.gateway6 = gateway
            nic.acceptRA = false
        case .disabled: nic.acceptRA = false
        }
        return nic
    }

    /// Checks what the seed's own validation cannot see: families of fixed addresses, and that a
    /// reservation has something to reserve in.
    func validate(index: Int) throws(SandboxError) {
        let what = "NIC \(index)"
        if case .fixed(let address, _) = ipv4, address.family != .ipv4 {
            throw .invalid("\(what): the fixed IPv4 address \(address) is not IPv4")
        }
        if case .fixed(let address, _) = ipv6, address.family != .ipv6 {
            throw .invalid("\(what): the fixed IPv6 address \(address) is not IPv6")
        }
        if let network { try network.validate() }
        if let reservedIPv4 {
            guard reservedIPv4.family == .ipv4 else {
                throw .invalid("\(what): reserved address \(reservedIPv4) is not IPv4")
            }
            try reservedIPv4.requireUnicast(what: "\(what): reserved address")
            guard ipv4 == .dhcp else { throw .invalid("\(what): a DHCP reservation needs ipv4 = .dhcp") }
            if case .bridge = network {
                throw .invalid("\(what): a DHCP reservation needs a libvirt network, not a bridge")
            }
        }
    }
}

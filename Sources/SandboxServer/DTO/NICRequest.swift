import SandboxCore

/// One entry of `nics` in `POST /v1/sandboxes`:
///
/// ```json
/// {"network": "default", "ipv4": "192.168.150.20/24", "gateway4": "192.168.150.1",
///  "ipv6": "slaac", "nameservers": ["192.168.150.1"], "search": ["sandbox.internal"]}
/// ```
/// Every field is optional: `ipv4` is `dhcp` (or `off`, or `ADDRESS/PREFIX`), `ipv6` `default`
/// (or `slaac`, `dhcp`, `off`, `ADDRESS/PREFIX`); `reserve_ipv4` reserves an address for the NIC in
/// the libvirt network's DHCP server; `mac` fixes the NIC's MAC. Unknown fields are refused.
public struct NICRequest: Codable, Sendable, Hashable {
    public var network: String?
    public var mac: String?
    public var ipv4: String?
    public var gateway4: String?
    public var ipv6: String?
    public var gateway6: String?
    public var nameservers: [String]?
    public var search: [String]?
    public var reserveIPv4: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case network, mac, ipv4, gateway4, ipv6, gateway6, nameservers, search
        case reserveIPv4 = "reserve_ipv4"
    }

    public init(
        network: String? = nil, mac: String? = nil, ipv4: String? = nil, gateway4: String? = nil, ipv6: String? = nil,
        gateway6: String? = nil, nameservers: [String]? = nil, search: [String]? = nil, reserveIPv4: String? = nil
    ) {
        self.network = network
        self.mac = mac
        self.ipv4 = ipv4
        self.gateway4 = gateway4
        self.ipv6 = ipv6
        self.gateway6 = gateway6
        self.nameservers = nameservers
        self.search = search
        self.reserveIPv4 = reserveIPv4
    }

    public init(from decoder: any Decoder) throws {
        try AnyCodingKey.rejectUnknownKeys(in: decoder, known: Set(CodingKeys.allCases.map(\.rawValue)))
        let container = try decoder.container(keyedBy: CodingKeys.self)
        network = try container.decodeIfPresent(String.self, forKey: .network)
        mac = try container.decodeIfPresent(String.self, forKey: .mac)
        ipv4 = try container.decodeIfPresent(String.self, forKey: .ipv4)
        gateway4 = try container.decodeIfPresent(String.self, forKey: .gateway4)
        ipv6 = try container.decodeIfPresent(String.self, forKey: .ipv6)
        gateway6 = try container.decodeIfPresent(String.self, forKey: .gateway6)
        nameservers = try container.decodeIfPresent([String].self, forKey: .nameservers)
        search = try container.decodeIfPresent([String].self, forKey: .search)
        reserveIPv4 = try container.decodeIfPresent(String.self, forKey: .reserveIPv4)
    }

    /// The library's NIC; the library validates the rest when the sandbox is created.
    func sandboxNIC() throws(SandboxError) -> SandboxNIC {
        var nic = SandboxNIC()
        if let network { nic.network = .network(network) }
        if let mac { nic.mac = try MACAddress(parsing: mac) }
        nic.ipv4 = try SandboxNIC.IPv4(parsing: ipv4 ?? "dhcp", gateway: gateway4)
        nic.ipv6 = try SandboxNIC.IPv6(parsing: ipv6 ?? "default", gateway: gateway6)
        for server in nameservers ?? [] { nic.nameservers.append(try IPAddress(parsing: server)) }
        nic.searchDomains = search ?? []
        if let reserveIPv4 { nic.reservedIPv4 = try IPAddress(parsing: reserveIPv4) }
        return nic
    }
}

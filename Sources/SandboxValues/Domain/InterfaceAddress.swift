/// Traffic counters of one network interface. Counters the driver does not know are -1.
public struct InterfaceStats: Sendable, Hashable, Codable {
    public var rxBytes: Int64
    public var rxPackets: Int64
    public var rxErrors: Int64
    public var rxDrops: Int64
    public var txBytes: Int64
    public var txPackets: Int64
    public var txErrors: Int64
    public var txDrops: Int64

    public init(
        rxBytes: Int64, rxPackets: Int64, rxErrors: Int64, rxDrops: Int64,
        txBytes: Int64, txPackets: Int64, txErrors: Int64, txDrops: Int64
    ) {
        self.rxBytes = rxBytes
        self.rxPackets = rxPackets
        self.rxErrors = rxErrors
        self.rxDrops = rxDrops
        self.txBytes = txBytes
        self.txPackets = txPackets
        self.txErrors = txErrors
        self.txDrops = txDrops
    }
}

/// IPv4 or IPv6.
public enum IPAddressFamily: String, Sendable, Hashable, Codable {
    case ipv4
    case ipv6
}

/// One IP address of one of a domain's network interfaces.
public struct InterfaceAddress: Sendable, Hashable, Codable {
    /// The interface's name: the host-side device (`vnet0`) for lease and ARP, the guest's for agent.
    public var interfaceName: String
    public var mac: String?
    public var address: String
    public var prefix: Int
    public var family: IPAddressFamily

    public init(interfaceName: String, mac: String?, address: String, prefix: Int, family: IPAddressFamily) {
        self.interfaceName = interfaceName
        self.mac = mac
        self.address = address
        self.prefix = prefix
        self.family = family
    }
}

/// Where libvirt looks for a domain's addresses.
public enum AddressSource: String, Sendable, Hashable, Codable, CaseIterable {
    /// The DHCP leases of libvirt's own networks (dnsmasq).
    case lease
    /// The QEMU guest agent inside the guest.
    case agent
    /// The host's ARP table.
    case arp
}

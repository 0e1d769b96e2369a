import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Where an address was found.
public enum DiscoverySource: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// The domain's own address query with libvirt's lease source (`virsh domifaddr --source lease`).
    case lease
    /// The DHCP leases of the libvirt network the NIC is on (`virsh net-dhcp-leases`).
    case networkLeases = "leases"
    /// The QEMU guest agent (`virsh domifaddr --source agent`).
    case agent
    /// The host's ARP table (`virsh domifaddr --source arp`); often empty or unsupported.
    case arp

    /// The order ``CompositeDiscoverer`` tries sources in by default: the cheap host-side sources
    /// first, the agent (an RPC into the guest) next, ARP last.
    public static let defaultOrder: [DiscoverySource] = [.lease, .networkLeases, .agent, .arp]

    public var description: String {
        switch self {
        case .lease: "domain lease query"
        case .networkLeases: "network DHCP leases"
        case .agent: "guest agent"
        case .arp: "ARP table"
        }
    }
}

/// One IP address of a sandbox's NIC and where it was found.
public struct DiscoveredAddress: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The address in its usual text form (`192.168.122.17`, `fd00::5`), without prefix or zone.
    public var address: String
    public var family: IPAddressFamily
    /// The network prefix length; 0 when the source does not know it.
    public var prefix: Int
    public var source: DiscoverySource
    /// The interface name the source reports (host-side `vnet0` for lease and ARP, the guest's own
    /// name for the agent), when there is one.
    public var interfaceName: String?
    /// For network leases: when the lease expires, seconds since the Unix epoch (0 = never).
    public var expiryTime: Int64?

    public init(
        address: String, family: IPAddressFamily, prefix: Int, source: DiscoverySource, interfaceName: String? = nil,
        expiryTime: Int64? = nil
    ) {
        self.address = address
        self.family = family
        self.prefix = prefix
        self.source = source
        self.interfaceName = interfaceName
        self.expiryTime = expiryTime
    }

    public var description: String {
        "\(address)\(prefix > 0 ? "/\(prefix)" : "") (\(source))"
    }
}

/// Which address family a discoverer puts first, or keeps exclusively.
public enum AddressFamilyPreference: String, Sendable, Hashable, Codable, CaseIterable {
    /// IPv4 addresses first, then IPv6 (the default).
    case preferIPv4
    /// IPv6 addresses first, then IPv4.
    case preferIPv6
    /// Only IPv4 addresses.
    case ipv4Only
    /// Only IPv6 addresses.
    case ipv6Only
}

/// Filtering and ordering of discovered addresses. Pure functions.
public enum AddressSelection {
    /// What kind of address a text is.
    public enum Scope: String, Sendable, Hashable, Codable {
        /// Usable to reach the guest: anything not listed below.
        case usable
        /// 169.254.0.0/16 or fe80::/10.
        case linkLocal
        /// 127.0.0.0/8 or ::1.
        case loopback
        /// 0.0.0.0 or ::.
        case unspecified
        /// Not an IPv4 or IPv6 address.
        case invalid
    }

    /// The family and scope of `text` (an IPv6 zone suffix such as `%eth0` is ignored).
    public static func classify(_ text: String) -> (family: IPAddressFamily, scope: Scope)? {
        let bare =
            text.split(separator: "%", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        var v4 = in_addr()
        if inet_pton(AF_INET, bare, &v4) == 1 {
            return (.ipv4, scope(ipv4: withUnsafeBytes(of: &v4) { Array($0) }))
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, bare, &v6) == 1 {
            return (.ipv6, scope(ipv6: withUnsafeBytes(of: &v6) { Array($0) }))
        }
        return nil
    }

    private static func scope(ipv4 bytes: [UInt8]) -> Scope {
        if bytes[0] == 169 && bytes[1] == 254 { return .linkLocal }
        if bytes[0] == 127 { return .loopback }
        if bytes.allSatisfy({ $0 == 0 }) { return .unspecified }
        return .usable
    }

    private static func scope(ipv6 bytes: [UInt8]) -> Scope {
        if bytes[0] == 0xfe && bytes[1] & 0xc0 == 0x80 { return .linkLocal }
        if bytes.dropLast().allSatisfy({ $0 == 0 }) {
            switch bytes[15] {
            case 0: return .unspecified
            case 1: return .loopback
            default: break
            }
        }
        return .usable
    }

    /// The usable addresses of `addresses` (no link-local, loopback, unspecified or malformed
    /// ones, each address once) that `preference` allows, its preferred family first; otherwise in
    /// the given order.
    public static func usable(_ addresses: [DiscoveredAddress], preference: AddressFamilyPreference)
        -> [DiscoveredAddress]
    {
        var seen = Set<String>()
        var result: [DiscoveredAddress] = []
        for var candidate in addresses {
            guard let (family, scope) = classify(candidate.address), scope == .usable else { continue }
            candidate.family = family  // the text is the authority, not the source's type field
            if let zone = candidate.address.firstIndex(of: "%") {
                candidate.address = String(candidate.address[..<zone])
            }
            switch preference {
            case .ipv4Only where family != .ipv4, .ipv6Only where family != .ipv6: continue
            default: break
            }
            guard seen.insert(candidate.address).inserted else { continue }
            result.append(candidate)
        }
        let first: IPAddressFamily = preference == .preferIPv6 || preference == .ipv6Only ? .ipv6 : .ipv4
        // A stable partition: the preferred family first, each part in its original order.
        return result.filter { $0.family == first } + result.filter { $0.family != first }
    }

    /// Whether `text` names the same MAC address as `mac` (case and leading zeros aside).
    package static func sameMAC(_ text: String?, _ mac: MACAddress) -> Bool {
        guard let text else { return false }
        if let parsed = MACAddress(text.lowercased()) { return parsed == mac }
        return text.lowercased() == mac.description
    }
}

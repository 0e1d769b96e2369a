internal import CLibvirt
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Finds the IP addresses a domain's NIC has, by that NIC's MAC address.
///
/// Implementations ask one source (``LeaseDiscoverer``, ``NetworkLeaseDiscoverer``,
/// ``AgentDiscoverer``, ``ARPDiscoverer``) or several in turn (``CompositeDiscoverer``). They answer
/// with what the source knows now and never wait for an address to appear; ``IPWaiter`` does the
/// waiting. Results hold only usable addresses (no loopback, link-local or unspecified ones), in
/// the order of the discoverer's ``AddressFamilyPreference``.
///
/// Errors: a missing domain is `.notFound`; a source the driver, domain or guest does not offer is
/// reported as the libvirt error (see ``SandboxError/isSourceUnavailable``), which the composite
/// skips.
public protocol IPDiscoverer: Sendable {
    /// The usable addresses of the NIC with `mac` in domain `domain`, best first; empty when the
    /// source knows none yet.
    func addresses(domain: String, mac: MACAddress) async throws(SandboxError) -> [DiscoveredAddress]
}

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
    static func sameMAC(_ text: String?, _ mac: MACAddress) -> Bool {
        guard let text else { return false }
        if let parsed = MACAddress(text.lowercased()) { return parsed == mac }
        return text.lowercased() == mac.description
    }
}

/// Selection of a network's DHCP leases. Pure functions.
public enum LeaseSelection {
    /// The leases of `leases` that belong to `mac` and have not expired at `now` (seconds since
    /// the epoch), newest first: a lease that never expires (expiry 0) counts as the newest, then
    /// by expiry time, latest first. Two sources can disagree after a guest renews or re-requests
    /// its address; the lease that expires last is the one the guest holds now.
    public static func current(_ leases: [NetworkDHCPLease], mac: MACAddress, now: Int64) -> [NetworkDHCPLease] {
        let mine = leases.enumerated().filter { _, lease in
            AddressSelection.sameMAC(lease.mac, mac) && (lease.expiryTime == 0 || lease.expiryTime > now)
        }
        func rank(_ lease: NetworkDHCPLease) -> Int64 { lease.expiryTime == 0 ? .max : lease.expiryTime }
        return mine.sorted { a, b in
            rank(a.element) != rank(b.element) ? rank(a.element) > rank(b.element) : a.offset < b.offset
        }.map(\.element)
    }

    /// ``current(_:mac:now:)`` as discovered addresses, usable ones only, ordered by
    /// `preference` and then newest first.
    public static func addresses(
        _ leases: [NetworkDHCPLease], mac: MACAddress, now: Int64, preference: AddressFamilyPreference
    ) -> [DiscoveredAddress] {
        let candidates = current(leases, mac: mac, now: now).map { lease in
            DiscoveredAddress(
                address: lease.ipAddress, family: lease.family, prefix: lease.prefix, source: .networkLeases,
                interfaceName: nil, expiryTime: lease.expiryTime)
        }
        return AddressSelection.usable(candidates, preference: preference)
    }

    /// Seconds since the Unix epoch, now.
    public static func wallClockNow() -> Int64 { Int64(Date().timeIntervalSince1970) }
}

extension SandboxError {
    /// Whether this error means "this source of information is not available here" — the driver
    /// does not implement the call, the domain has no guest agent or it is not connected — rather
    /// than a failure. Discovery treats such sources as empty and moves on.
    public var isSourceUnavailable: Bool {
        code == .agentUnavailable || isUnsupportedByDriver || isLibvirtError(VIR_ERR_OPERATION_UNSUPPORTED)
            || isLibvirtError(VIR_ERR_AGENT_UNRESPONSIVE)
    }
}

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
        code == .agentUnavailable || isUnsupportedByDriver || libvirtFailure == .operationUnsupported
            || libvirtFailure == .agentUnresponsive
    }
}

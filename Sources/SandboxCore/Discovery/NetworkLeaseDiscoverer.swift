/// Addresses from the DHCP leases of the libvirt network the NIC is on (`virNetworkGetDHCPLeases`,
/// `virsh net-dhcp-leases`), filtered by MAC and expiry, newest first (see ``LeaseSelection``).
///
/// This source can know a lease the domain's own query does not show yet, and vice versa. When
/// `network` is nil it is read from the domain's live XML on every call; a NIC that is not on a
/// libvirt network has no leases here (an empty result). Safe to share between tasks.
public struct NetworkLeaseDiscoverer: IPDiscoverer {
    public var domains: any DomainManager
    /// The libvirt network to ask; nil to use the one the NIC is attached to.
    public var network: String?
    public var preference: AddressFamilyPreference
    /// The current time in seconds since the Unix epoch, for lease expiry; replaceable in tests.
    public var now: @Sendable () -> Int64

    public init(
        domains: any DomainManager, network: String? = nil, preference: AddressFamilyPreference = .preferIPv4,
        now: @escaping @Sendable () -> Int64 = LeaseSelection.wallClockNow
    ) {
        self.domains = domains
        self.network = network
        self.preference = preference
        self.now = now
    }

    public func addresses(domain: String, mac: MACAddress) async throws(SandboxError) -> [DiscoveredAddress] {
        guard let network = try await network(of: domain, mac: mac) else { return [] }
        let leases = try await domains.networkDHCPLeases(network: network, mac: mac.description)
        return LeaseSelection.addresses(leases, mac: mac, now: now(), preference: preference)
    }

    /// The network to ask: the configured one, else the one the NIC with `mac` is attached to.
    func network(of domain: String, mac: MACAddress) async throws(SandboxError) -> String? {
        if let network { return network }
        return try await domains.domainDescription(named: domain, inactive: false).interface(mac: mac)?.network
    }
}

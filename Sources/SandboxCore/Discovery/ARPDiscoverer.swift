/// Addresses from the host's ARP (neighbour) table for the MAC (`virsh domifaddr --source arp`).
///
/// The table only holds a guest after traffic between host and guest, and some drivers do not
/// offer this source at all; both simply mean "nothing found here" to ``CompositeDiscoverer``.
/// Safe to share between tasks.
public struct ARPDiscoverer: IPDiscoverer {
    public var domains: any DomainManager
    public var preference: AddressFamilyPreference

    public init(domains: any DomainManager, preference: AddressFamilyPreference = .preferIPv4) {
        self.domains = domains
        self.preference = preference
    }

    public func addresses(domain: String, mac: MACAddress) async throws(SandboxError) -> [DiscoveredAddress] {
        try await InterfaceAddressQuery.addresses(
            domains: domains, domain: domain, mac: mac, source: .arp, preference: preference)
    }
}

/// Addresses from the domain's own address query with libvirt's DHCP lease source
/// (`virDomainInterfaceAddresses` with `VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE`,
/// `virsh domifaddr --source lease`): what libvirt's dnsmasq handed to the NIC with the MAC.
///
/// A value type holding only its ``DomainManager``; safe to share between tasks.
public struct LeaseDiscoverer: IPDiscoverer {
    public var domains: any DomainManager
    public var preference: AddressFamilyPreference

    public init(domains: any DomainManager, preference: AddressFamilyPreference = .preferIPv4) {
        self.domains = domains
        self.preference = preference
    }

    public func addresses(domain: String, mac: MACAddress) async throws(SandboxError) -> [DiscoveredAddress] {
        try await InterfaceAddressQuery.addresses(
            domains: domains, domain: domain, mac: mac, source: .lease, preference: preference)
    }
}

/// The shared part of the lease, agent and ARP discoverers: one `interfaceAddresses` call,
/// filtered by MAC.
enum InterfaceAddressQuery {
    static func addresses(
        domains: any DomainManager, domain: String, mac: MACAddress, source: AddressSource,
        preference: AddressFamilyPreference
    ) async throws(SandboxError) -> [DiscoveredAddress] {
        let discoverySource: DiscoverySource =
            switch source {
            case .lease: .lease
            case .agent: .agent
            case .arp: .arp
            }
        let found = try await domains.interfaceAddresses(named: domain, source: source)
            .filter { AddressSelection.sameMAC($0.mac, mac) }
            .map {
                DiscoveredAddress(
                    address: $0.address, family: $0.family, prefix: $0.prefix, source: discoverySource,
                    interfaceName: $0.interfaceName.isEmpty ? nil : $0.interfaceName)
            }
        return AddressSelection.usable(found, preference: preference)
    }
}

/// Addresses the QEMU guest agent reports for the guest interface with the MAC
/// (`virsh domifaddr --source agent`). Works on any network, also without libvirt's DHCP, but only
/// once the guest has booted far enough to run the agent.
///
/// An agent that is not configured or not connected is reported as an error for which
/// ``SandboxError/isSourceUnavailable`` holds. Safe to share between tasks.
public struct AgentDiscoverer: IPDiscoverer {
    public var domains: any DomainManager
    public var preference: AddressFamilyPreference

    public init(domains: any DomainManager, preference: AddressFamilyPreference = .preferIPv4) {
        self.domains = domains
        self.preference = preference
    }

    public func addresses(domain: String, mac: MACAddress) async throws(SandboxError) -> [DiscoveredAddress] {
        try await InterfaceAddressQuery.addresses(
            domains: domains, domain: domain, mac: mac, source: .agent, preference: preference)
    }
}

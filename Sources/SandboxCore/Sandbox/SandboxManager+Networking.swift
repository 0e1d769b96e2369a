extension SandboxManager {
    /// Checks a request's NICs, custom network-config and seed format before anything is made.
    static func validateNetworking(_ request: SandboxRequest) throws(SandboxError) {
        guard request.nics.count <= SandboxNIC.maxCount else {
            throw .invalid("a sandbox has at most \(SandboxNIC.maxCount) NICs, not \(request.nics.count)")
        }
        for (index, nic) in request.nics.enumerated() { try nic.validate(index: index) }
        let given = request.nics.compactMap(\.mac)
        guard Set(given).count == given.count else { throw .invalid("two NICs ask for the same MAC address") }
        // The seed's own checks (addresses, gateways, names), with stand-in MACs for NICs without one.
        let nics = request.nics.isEmpty ? [SandboxNIC()] : request.nics
        var ethernets: [NetworkConfig.Ethernet] = []
        for (index, nic) in nics.enumerated() {
            var mac = try MACAddress(octets: [0x02, 0, 0, 0, 0, UInt8(index + 1)])
            if let given = nic.mac { mac = given }
            ethernets.append(nic.ethernet(interfaceName: "eth\(index)", mac: mac))
        }
        try NetworkConfig(ethernets: ethernets).validate()
        if let custom = request.customNetworkConfig {
            guard request.seedFormat == .noCloud else {
                throw .invalid(
                    "a custom network-config needs the NoCloud seed format (ConfigDrive has network_data.json)")
            }
            try CloudInitYAML.validateCustomNetworkConfig(custom)
        }
    }

    /// Checks each reservation against its network before anything is made: the network exists,
    /// has an IPv4 subnet holding the address, and no other MAC has the address reserved; then
    /// every reserved and fixed address against ``checkAddressConflicts(_:)``.
    func checkReservations(_ interfaces: [Sandbox.Interface]) async throws(SandboxError) {
        var networks: [String: NetworkDescription] = [:]
        for interface in interfaces {
            guard let address = interface.reservedIPv4 else { continue }
            guard case .network(let network) = interface.source else {
                throw .invalid("\(interface.name): a DHCP reservation needs a libvirt network, not a bridge")
            }
            let description: NetworkDescription
            if let known = networks[network] {
                description = known
            } else {
                description = try await domains.networkDescription(named: network)
                networks[network] = description
            }
            let subnets = description.ipv4Subnets
            guard subnets.contains(where: { $0.contains(address) }) else {
                let known = subnets.isEmpty ? "none" : subnets.map(\.description).joined(separator: ", ")
                throw .invalid(
                    "\(interface.name): reserved address \(address) is not on network \(network) (IPv4 subnets: \(known))"
                )
            }
            if let taken = description.dhcpHosts.first(where: { $0.ip == address }) {
                throw SandboxError(.nameTaken, "address \(address) is already reserved on network \(network): \(taken)")
            }
        }
        try await checkAddressConflicts(interfaces, networks: networks)
    }

    /// The IPv4 subnets (`<ip address=… netmask=…|prefix=…>`) of a network's XML.
    static func ipv4Subnets(in networkXML: String) -> [IPInterfaceAddress] {
        NetworkDescription(xml: networkXML)?.ipv4Subnets ?? []
    }

    /// Host entries reserving `ip`.
    static func dhcpHostEntries(in networkXML: String, ip: IPAddress) -> [String] {
        (NetworkDescription(xml: networkXML)?.dhcpHosts ?? []).filter { $0.ip == ip }.map(\.xml)
    }

    /// The DHCP host entries (`<host …/>`, as `virNetworkUpdate` takes them) for `macs` in `network`.
    static func dhcpHostEntries(in networkXML: String, macs: Set<MACAddress>) -> [String] {
        (NetworkDescription(xml: networkXML)?.dhcpHosts ?? []).filter { $0.mac.map(macs.contains) ?? false }.map(\.xml)
    }

    /// Removes the DHCP reservations of a sandbox's NICs (found in its domain XML) from their
    /// networks, and returns them as `network: <host …/>`. Best effort: a network that is gone has
    /// no reservations left to remove; a failed removal is logged.
    @discardableResult
    func removeDHCPHosts(of domain: DomainDescription) async -> [String] {
        var removed: [String] = []
        for (network, macs) in domain.networkNICs.sorted(by: { $0.key < $1.key }) {
            guard let description = try? await domains.networkDescription(named: network) else { continue }
            for entry in description.dhcpHosts.filter({ $0.mac.map(macs.contains) ?? false }).map(\.xml) {
                do {
                    try await domains.updateDHCPHost(network: network, hostXML: entry, add: false)
                    removed.append("\(network): \(entry)")
                    logger.debug("removed DHCP reservation", metadata: ["network": "\(network)", "host": "\(entry)"])
                } catch {
                    logger.warning(
                        "cannot remove DHCP reservation",
                        metadata: ["network": "\(network)", "host": "\(entry)", "error": "\(error)"])
                }
            }
        }
        return removed
    }
}

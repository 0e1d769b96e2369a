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

    /// The DHCP host entries (`<host …/>` as the network's XML has them) for `macs` in `network`.
    static func dhcpHostEntries(in networkXML: String, macs: Set<MACAddress>) -> [String] {
        var entries: [String] = []
        var rest = networkXML[...]
        while let start = rest.range(of: "<host ") {
            guard let end = rest[start.upperBound...].range(of: "/>") else { break }
            let element = String(rest[start.lowerBound..<end.upperBound])
            rest = rest[end.upperBound...]
            if macs.contains(where: {
                element.lowercased().contains("mac='\($0)'") || element.lowercased().contains("mac=\"\($0)\"")
            }) {
                entries.append(element)
            }
        }
        return entries
    }

    /// Removes the DHCP reservations of a sandbox's NICs (found in its domain XML) from their
    /// networks. Best effort: a network that is gone has no reservations left to remove.
    func removeDHCPHosts(domainXML: String) async {
        for (network, macs) in Self.networkNICs(in: domainXML) {
            guard let xml = try? await domains.networkXML(named: network) else { continue }
            for entry in Self.dhcpHostEntries(in: xml, macs: macs) {
                do {
                    try await domains.updateDHCPHost(network: network, hostXML: entry, add: false)
                    logger.debug("removed DHCP reservation", metadata: ["network": "\(network)", "host": "\(entry)"])
                } catch {
                    logger.warning(
                        "cannot remove DHCP reservation",
                        metadata: ["network": "\(network)", "host": "\(entry)", "error": "\(error)"])
                }
            }
        }
    }

    /// MACs of the domain's NICs on libvirt networks, by network name.
    static func networkNICs(in domainXML: String) -> [String: Set<MACAddress>] {
        var result: [String: Set<MACAddress>] = [:]
        var rest = domainXML[...]
        while let start = rest.range(of: "<interface type='network'") ?? rest.range(of: "<interface type=\"network\"") {
            guard let end = rest[start.upperBound...].range(of: "</interface>") else { break }
            let element = rest[start.lowerBound..<end.upperBound]
            rest = rest[end.upperBound...]
            guard let network = attribute("network", in: element, tag: "<source "),
                let macText = attribute("address", in: element, tag: "<mac "), let mac = MACAddress(macText)
            else { continue }
            result[network, default: []].insert(mac)
        }
        return result
    }

    private static func attribute(_ name: String, in element: Substring, tag: String) -> String? {
        guard let tagStart = element.range(of: tag) else { return nil }
        let tail = element[tagStart.upperBound...]
        for quote in ["'", "\""] {
            if let valueStart = tail.range(of: "\(name)=\(quote)"),
                let valueEnd = tail[valueStart.upperBound...].range(of: quote)
            {
                return String(tail[valueStart.upperBound..<valueEnd.lowerBound])
            }
        }
        return nil
    }
}

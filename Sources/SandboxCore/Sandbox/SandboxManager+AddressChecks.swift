extension SandboxManager {
    /// Checks every address a create decides for a NIC on a libvirt network (its DHCP reservation
    /// and its fixed IPv4 and IPv6 addresses) before anything is made. Refused as
    /// `.invalidArgument`: the subnet's own (network) address, its IPv4 broadcast address, and the
    /// network's own address (`<ip address=…>`, the host side and the guests' gateway). Refused as
    /// `.nameTaken`: an address the network's DHCP server reserves (`<host ip=…>`) or has leased, or
    /// that another domain's network filter binds (`<parameter name='IP'>`, set for every sandbox
    /// with a reservation or a fixed IPv4 address while a filter is in use).
    ///
    /// Also refuses, on any NIC, a fixed IPv4 address that is the network or broadcast address of
    /// its own prefix (`10.0.0.0/24`, `10.0.0.255/24`).
    ///
    /// `networks` holds the networks already read, by name; the others are read here.
    func checkAddressConflicts(_ interfaces: [Sandbox.Interface], networks: [String: NetworkDescription] = [:])
        async throws(SandboxError)
    {
        var boundByOthers: Set<String>?
        for interface in interfaces {
            var candidates: [(address: IPAddress, what: String)] = []
            if let reserved = interface.reservedIPv4 { candidates.append((reserved, "reserved address")) }
            for fixed in interface.fixedAddresses {
                if let reason = Self.subnetEdge(fixed.address, prefixLength: fixed.prefixLength) {
                    throw .invalid("\(interface.name): fixed address \(fixed) is \(reason) of its own prefix")
                }
                candidates.append((fixed.address, "fixed address"))
            }
            guard !candidates.isEmpty, case .network(let network) = interface.source else { continue }
            let description: NetworkDescription
            if let known = networks[network] {
                description = known
            } else {
                description = try await domains.networkDescription(named: network)
            }
            let ownAddresses = description.ownAddresses
            let own = ownAddresses.map(\.address)
            let leases = (try? await domains.networkDHCPLeases(network: network, mac: nil)) ?? []
            for (address, what) in candidates {
                let label = "\(interface.name): \(what) \(address)"
                if own.contains(address) {
                    throw .invalid("\(label) is network \(network)'s own address (the host and gateway)")
                }
                for subnet in ownAddresses.compactMap(\.subnet) where subnet.contains(address) {
                    if let reason = Self.subnetEdge(address, prefixLength: subnet.prefixLength) {
                        throw .invalid("\(label) is \(reason) of network \(network) (\(subnet))")
                    }
                }
                // A reservation's own host entry is checked by checkReservations; for a fixed address
                // any reservation of it belongs to someone else.
                if what == "fixed address", let taken = description.dhcpHosts.first(where: { $0.ip == address }) {
                    throw SandboxError(.nameTaken, "\(label) is reserved on network \(network): \(taken)")
                }
                if let lease = leases.first(where: { IPAddress($0.ipAddress) == address }) {
                    throw SandboxError(
                        .nameTaken, "\(label) is leased on network \(network) to \(lease.mac)")
                }
                if boundByOthers == nil { boundByOthers = await filterBoundAddresses() }
                if boundByOthers?.contains(address.description) == true {
                    throw SandboxError(.nameTaken, "\(label) is already used by another domain")
                }
            }
        }
    }

    /// Why `address` cannot be a host on `address/prefixLength`: "the network address" (host bits
    /// all zero, IPv4 and IPv6 alike — the IPv6 subnet-router anycast address) or "the broadcast
    /// address" (IPv4, host bits all one); nil for a usable host address. /31 and /32 (IPv4) and
    /// /127 and /128 (IPv6) have no such edges.
    static func subnetEdge(_ address: IPAddress, prefixLength: Int) -> String? {
        let bits = address.maxPrefixLength
        guard prefixLength >= 0, prefixLength < bits - 1 else { return nil }
        var allZero = true
        var allOne = true
        for bit in prefixLength..<bits {
            let set = address.bytes[bit / 8] & (0x80 >> UInt8(bit % 8)) != 0
            if set { allZero = false } else { allOne = false }
        }
        if allZero { return "the network address" }
        if allOne, address.family == .ipv4 { return "the broadcast address" }
        return nil
    }

    /// Every address a domain's network filter binds (`<parameter name='IP' value='…'/>`), over
    /// all domains of the connection; best effort (a domain that vanishes is skipped).
    func filterBoundAddresses() async -> Set<String> {
        var result: Set<String> = []
        guard let all = try? await domains.listDomains() else { return result }
        for domain in all {
            guard let description = try? await domains.domainDescription(named: domain.name, inactive: false)
            else { continue }
            for interface in description.interfaces {
                for parameter in interface.filterParameters where parameter.name == "IP" {
                    if let address = IPAddress(parameter.value) { result.insert(address.description) }
                }
            }
        }
        return result
    }
}

/// Which network filter a sandbox's NIC gets.
public enum NetworkFilterPolicy: Sendable, Hashable {
    /// libvirt's `clean-traffic` (no MAC, IP or ARP spoofing) when the connection defines it;
    /// none otherwise.
    case cleanTrafficIfAvailable
    /// No filter.
    case none
    /// This filter, which must exist on the connection.
    case named(String)
}

extension SandboxManager {
    func checkHardeningConfiguration() throws(SandboxError) {
        if let mode = configuration.jobFolderPermissions, mode & ~0o777 != 0 {
            throw .invalid("job folder permissions 0o\(String(mode, radix: 8)) must be within 0o777")
        }
        if case .named(let filter) = configuration.networkFilter {
            try ValueChecks.token(filter, what: "network filter")
        }
        try configuration.resourceLimits.validate()
    }

    /// Puts the isolation defaults and resource limits of ``Configuration`` on a new sandbox's
    /// spec: each NIC's port isolated (``Configuration/isolateSandboxes``), its filter bound to the
    /// IPv4 address known at create time (a fixed address or a DHCP reservation) so the guest
    /// cannot take another, and ``Configuration/resourceLimits``. `interfaces` are the spec's
    /// NICs in order.
    func applyIsolation(to spec: inout DomainSpec, interfaces: [Sandbox.Interface]) {
        let limits = configuration.resourceLimits
        func harden(_ nic: inout DomainSpec.NIC, _ interface: Sandbox.Interface?) {
            nic.isolated = configuration.isolateSandboxes
            if nic.filter != nil, let address = interface.flatMap(Self.knownIPv4) {
                nic.filterParameters = [.ip(address)]
            }
            if let bandwidth = limits.networkBandwidth, !bandwidth.isEmpty { nic.bandwidth = bandwidth }
        }
        harden(&spec.nic, interfaces.first)
        for index in spec.extraNICs.indices {
            harden(&spec.extraNICs[index], interfaces.indices.contains(index + 1) ? interfaces[index + 1] : nil)
        }
        if let cpu = limits.cpu, !cpu.isEmpty { spec.cpuTune = cpu }
        if let io = limits.diskIO, !io.isEmpty { spec.disk.ioTune = io }
    }

    /// The IPv4 address a NIC will have, when the create decides it: the DHCP reservation, else a
    /// fixed IPv4 address.
    static func knownIPv4(_ interface: Sandbox.Interface) -> IPAddress? {
        if let reserved = interface.reservedIPv4, reserved.family == .ipv4 { return reserved }
        return interface.fixedAddresses.first { $0.family == .ipv4 }?.address
    }

    /// The filter for a new sandbox's NIC under ``Configuration/networkFilter``.
    func networkFilterName() async throws(SandboxError) -> String? {
        switch configuration.networkFilter {
        case .none:
            return nil
        case .named(let filter):
            guard try await domains.networkFilterExists(named: filter) else {
                throw SandboxError(.notFound, "network filter \(ValueChecks.quoted(filter)) does not exist")
            }
            return filter
        case .cleanTrafficIfAvailable:
            return try await domains.networkFilterExists(named: "clean-traffic") ? "clean-traffic" : nil
        }
    }
}

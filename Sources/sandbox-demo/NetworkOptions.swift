import ArgumentParser
import Foundation
import SandboxCore

/// `create`'s network and seed options: the first NIC's addressing, extra NICs, a custom
/// network-config, the seed format and the machine-id reset.
struct NetworkOptions: ParsableArguments {
    @Option(help: "libvirt network of the first NIC (default: the base's).") var network: String?
    @Option(help: "Fixed IPv4 address of the first NIC, ADDRESS/PREFIX (default: DHCP).") var ip: String?
    @Option(help: "IPv4 default gateway (with --ip).") var gateway: String?
    @Option(help: "IPv6 of the first NIC: default, slaac, dhcp, off, or ADDRESS/PREFIX.") var ipv6 = "default"
    @Option(help: "IPv6 default gateway (with a fixed --ipv6).") var gateway6: String?
    @Option(help: "DNS server (repeatable).") var dns: [String] = []
    @Option(help: "DNS search domain (repeatable).") var search: [String] = []
    @Option(help: "Reserve this IPv4 address for the first NIC in the network's DHCP server.") var reserveIp: String?
    @Option(help: "Another NIC with DHCP on this libvirt network (repeatable).") var extraNic: [String] = []
    @Option(help: "A network-config file used verbatim instead of the rendered one (NoCloud).")
    var networkConfig: String?
    @Option(help: "Seed format: nocloud or configdrive.") var seedFormat = "nocloud"
    @Flag(help: "Give the clone a new /etc/machine-id on its first boot.") var resetMachineId = false

    /// Applies the options to `request`.
    func apply(to request: inout SandboxRequest) throws {
        guard let format = SeedFormat(rawValue: seedFormat) else {
            throw CLIError("--seed-format must be nocloud or configdrive, not \(seedFormat)")
        }
        request.seedFormat = format
        request.userData.resetMachineID = resetMachineId
        if let networkConfig {
            request.customNetworkConfig = try String(contentsOfFile: networkConfig, encoding: .utf8)
        }
        try checked { () throws(SandboxError) in
            var first = SandboxNIC()
            if let network { first.network = .network(network) }
            first.ipv4 = try SandboxNIC.IPv4(parsing: ip ?? "dhcp", gateway: gateway)
            first.ipv6 = try SandboxNIC.IPv6(parsing: ipv6, gateway: gateway6)
            for server in dns { first.nameservers.append(try IPAddress(parsing: server)) }
            for domain in search { first.searchDomains.append(domain) }
            if let reserveIp { first.reservedIPv4 = try IPAddress(parsing: reserveIp) }
            request.nics = [first] + extraNic.map { SandboxNIC(network: .network($0)) }
        }
    }
}

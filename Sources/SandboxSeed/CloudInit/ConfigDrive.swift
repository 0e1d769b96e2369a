import Foundation
import SandboxValues

/// Renders a seed as an OpenStack ConfigDrive (`openstack/latest/…`): the same identity, user-data
/// and network as the NoCloud files, in the JSON shapes cloud-init's ConfigDrive datasource reads.
/// Pure and deterministic (sorted keys).
package enum ConfigDrive {
    package static let folders = ["openstack", "latest"]

    /// `meta_data.json`: `uuid` is the instance-id (cloud-init takes it from there), `hostname`
    /// the local host name.
    package struct MetaData: Encodable {
        var uuid: String
        var hostname: String
        var name: String
        var launch_index = 0
    }

    /// `network_data.json`: one `phy` link per NIC (with `name`, which cloud-init honours, so the
    /// NIC gets the same name as with NoCloud), its networks, and DNS services.
    package struct NetworkData: Encodable {
        struct Link: Encodable {
            var id: String
            var name: String
            var type = "phy"
            var ethernet_mac_address: String
        }
        struct Network: Encodable {
            var id: String
            var link: String
            var type: String
            var ip_address: String?
            var netmask: String?
            var gateway: String?
            var dns_nameservers: [String]?
            var dns_search: [String]?
        }
        struct Service: Encodable {
            var type = "dns"
            var address: String
        }
        var links: [Link] = []
        var networks: [Network] = []
        var services: [Service] = []
    }

    package static func metaData(_ seed: CloudInitSeed) throws(SandboxError) -> String {
        try encode(
            MetaData(uuid: seed.instanceID, hostname: seed.hostname.description, name: seed.hostname.description))
    }

    package static func networkData(_ config: NetworkConfig) throws(SandboxError) -> String {
        var data = NetworkData()
        for nic in config.ethernets {
            data.links.append(
                .init(id: nic.interfaceName, name: nic.interfaceName, ethernet_mac_address: nic.mac.description))
            // DNS on the NIC's first network (cloud-init's netplan output drops the global `services`).
            func add(_ type: String, address: IPInterfaceAddress? = nil, gateway: IPAddress? = nil) {
                let first = !data.networks.contains { $0.link == nic.interfaceName }
                data.networks.append(
                    .init(
                        id: "\(nic.interfaceName)-\(data.networks.count)", link: nic.interfaceName, type: type,
                        ip_address: address?.address.description,
                        netmask: address.map {
                            IPAddress.netmask(family: $0.family, prefixLength: $0.prefixLength).description
                        },
                        gateway: gateway?.description,
                        dns_nameservers: first && !nic.nameservers.isEmpty ? nic.nameservers.map(\.description) : nil,
                        dns_search: first && !nic.searchDomains.isEmpty ? nic.searchDomains : nil))
            }
            if nic.dhcp4 { add("ipv4_dhcp") }
            if nic.dhcp6 { add("ipv6_dhcpv6-stateful") } else if nic.acceptRA == true { add("ipv6_slaac") }
            // The default gateway as the network's `gateway` (which cloud-init takes over) rather than a
            // 0.0.0.0/0 route: cloud-init's ENI output turns routes into `post-up route add`, which
            // needs net-tools, but `gateway` into ifupdown's own `gateway` line.
            for address in nic.addresses {
                let gateway = address.family == .ipv4 ? nic.gateway4 : nic.gateway6
                add(address.family == .ipv4 ? "ipv4" : "ipv6", address: address, gateway: gateway)
            }
            for server in nic.nameservers where !data.services.contains(where: { $0.address == server.description }) {
                data.services.append(.init(address: server.description))
            }
        }
        return try encode(data)
    }

    /// `vendor_data.json`: cloud-init accepts a JSON string holding the vendor-data document.
    package static func vendorData(_ text: String) throws(SandboxError) -> String { try encode(text) }

    private static func encode<Value: Encodable>(_ value: Value) throws(SandboxError) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
        } catch {
            throw SandboxError(.seedBuildFailed, "cannot encode ConfigDrive JSON: \(error)")
        }
    }
}

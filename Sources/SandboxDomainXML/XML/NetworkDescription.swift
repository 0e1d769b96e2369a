import Foundation
import FoundationXML
import SandboxValues

/// A libvirt network's XML read once, with a real XML parser: its IPv4 subnets, DHCP ranges and
/// DHCP host reservations. What create, destroy, preflight and reconcile read a network through.
package struct NetworkDescription: Sendable, Hashable {
    /// One `<ip><dhcp><host …/>` reservation.
    package struct DHCPHost: Sendable, Hashable, CustomStringConvertible {
        package var mac: MACAddress?
        package var ip: IPAddress?
        package var name: String?

        /// The entry as libvirt's `virNetworkUpdate` takes it (escaped by ``XMLTree``).
        package var xml: String {
            var attributes: [(String, String)] = []
            if let mac { attributes.append(("mac", mac.description)) }
            if let name { attributes.append(("name", name)) }
            if let ip { attributes.append(("ip", ip.description)) }
            return XMLTree("host", attributes).render().trimmingCharacters(in: .whitespacesAndNewlines)
        }

        package var description: String { xml }
    }

    /// One `<ip address=… netmask=…|prefix=…>`: the host's own address on the network (its
    /// guests' gateway), with its prefix when one is given (IPv4 without one: /24, as libvirt).
    package struct OwnAddress: Sendable, Hashable {
        package var address: IPAddress
        package var prefixLength: Int?
        /// The subnet the address is on.
        package var subnet: IPInterfaceAddress? {
            prefixLength.flatMap { try? IPInterfaceAddress(address: address, prefixLength: $0) }
        }
    }

    /// Every `<ip address=…>` (IPv4 and IPv6), in document order.
    package var ownAddresses: [OwnAddress] = []
    /// `<ip address=… netmask=…|prefix=…>` of family IPv4 with an explicit prefix, as subnets.
    package var ipv4Subnets: [IPInterfaceAddress] = []
    /// `start-end` of every DHCP range (IPv4 and IPv6).
    package var dhcpRanges: [String] = []
    /// Every DHCP host reservation, in document order.
    package var dhcpHosts: [DHCPHost] = []

    /// Parses a network's XML; nil when it does not parse as one.
    package init?(xml: String) {
        // FoundationXML crashes on an empty document instead of throwing.
        guard !xml.allSatisfy(\.isWhitespace), let document = try? XMLDocument(xmlString: xml, options: []),
            let root = document.rootElement(), root.name == "network"
        else { return nil }
        func attribute(_ element: XMLElement, _ name: String) -> String? {
            element.attribute(forName: name)?.stringValue
        }
        for case let ip as XMLElement in (try? root.nodes(forXPath: "ip")) ?? [] {
            if let text = attribute(ip, "address"), let address = IPAddress(text) {
                var prefix = attribute(ip, "prefix").flatMap { Int($0) }
                if let mask = attribute(ip, "netmask").flatMap(IPAddress.init) {
                    prefix = mask.bytes.reduce(0) { $0 + $1.nonzeroBitCount }
                }
                if address.family == .ipv4, let prefix,
                    let subnet = try? IPInterfaceAddress(address: address, prefixLength: prefix)
                {
                    ipv4Subnets.append(subnet)
                }
                ownAddresses.append(
                    OwnAddress(address: address, prefixLength: prefix ?? (address.family == .ipv4 ? 24 : nil)))
            }
            for case let range as XMLElement in (try? ip.nodes(forXPath: "dhcp/range")) ?? [] {
                if let start = attribute(range, "start"), let end = attribute(range, "end") {
                    dhcpRanges.append("\(start)-\(end)")
                }
            }
            for case let host as XMLElement in (try? ip.nodes(forXPath: "dhcp/host")) ?? [] {
                dhcpHosts.append(
                    DHCPHost(
                        mac: attribute(host, "mac").flatMap(MACAddress.init),
                        ip: attribute(host, "ip").flatMap(IPAddress.init), name: attribute(host, "name")))
            }
        }
    }
}

import Foundation
import FoundationXML
import SandboxValues

/// A domain's XML read once, with a real XML parser, into what the layers above act on: the
/// NICs (MAC, network, host device), virt type and arch, CD-ROM and console-log files, vCPUs.
/// Create, destroy, discovery and diagnosis read a domain through it; nothing scans XML text.
package struct DomainDescription: Sendable, Hashable {
    package struct Interface: Sendable, Hashable {
        package var mac: String
        /// `network`, `bridge`, `user`, …
        package var type: String?
        /// The libvirt network for `type='network'`.
        package var network: String?
        /// The host-side device (`vnet0`), present while the domain runs.
        package var targetDevice: String?
    }

    /// `kvm`, `qemu`, `test`, …
    package var virtType: String?
    /// `x86_64`, `aarch64`, …
    package var arch: String?
    package var interfaces: [Interface] = []
    /// The `<source file=…>` of every CD-ROM that has one, in document order.
    package var cdromFiles: [String] = []
    /// `<log file=…>` of serial ports and consoles, in document order.
    package var consoleLogFiles: [String] = []
    /// The virtual CPUs (`<vcpu current=…>`, else `<vcpu>`).
    package var vcpus: Int?

    /// Parses a domain's XML; `nil` when it does not parse as one.
    package init?(xml: String) {
        // FoundationXML crashes on an empty document instead of throwing.
        guard !xml.allSatisfy(\.isWhitespace), let document = try? XMLDocument(xmlString: xml, options: []),
            let root = document.rootElement(),
            root.name == "domain"
        else { return nil }
        func values(_ node: XMLNode, _ xpath: String) -> [String] {
            ((try? node.nodes(forXPath: xpath)) ?? []).compactMap { $0.stringValue }.filter { !$0.isEmpty }
        }
        virtType = values(root, "@type").first
        arch = values(root, "os/type/@arch").first
        for case let element as XMLElement in (try? root.nodes(forXPath: "devices/interface")) ?? [] {
            guard let mac = values(element, "mac/@address").first else { continue }
            interfaces.append(
                Interface(
                    mac: mac, type: element.attribute(forName: "type")?.stringValue,
                    network: values(element, "source/@network").first,
                    targetDevice: values(element, "target/@dev").first))
        }
        cdromFiles = values(root, "devices/disk[@device='cdrom']/source/@file")
        consoleLogFiles = values(root, "devices/serial/log/@file") + values(root, "devices/console/log/@file")
        vcpus = (values(root, "vcpu/@current").first ?? values(root, "vcpu").first).flatMap {
            Int($0.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    /// The interface with `mac`, if the domain has one.
    package func interface(mac: MACAddress) -> Interface? {
        interfaces.first { AddressSelection.sameMAC($0.mac, mac) }
    }

    /// The MACs of every NIC that has a valid one.
    package var macs: Set<MACAddress> { Set(interfaces.compactMap { MACAddress($0.mac) }) }

    /// The first NIC's MAC (a sandbox's own NIC).
    package var firstMAC: MACAddress? { interfaces.first.flatMap { MACAddress($0.mac) } }

    /// The MACs of the NICs on libvirt networks (`type='network'`), by network name.
    package var networkNICs: [String: Set<MACAddress>] {
        var result: [String: Set<MACAddress>] = [:]
        for interface in interfaces where interface.type == "network" {
            guard let network = interface.network, let mac = MACAddress(interface.mac) else { continue }
            result[network, default: []].insert(mac)
        }
        return result
    }
}

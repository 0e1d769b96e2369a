import Foundation
import FoundationXML

/// What discovery and diagnosis need from a domain's live XML, read with a real XML parser.
struct DomainFacts: Sendable, Hashable {
    struct Interface: Sendable, Hashable {
        var mac: String
        /// `network`, `bridge`, `user`, …
        var type: String?
        /// The libvirt network for `type='network'`.
        var network: String?
        /// The host-side device (`vnet0`), present while the domain runs.
        var targetDevice: String?
    }

    /// `kvm`, `qemu`, `test`, …
    var virtType: String?
    /// `x86_64`, `aarch64`, …
    var arch: String?
    var interfaces: [Interface] = []
    /// The `<source file=…>` of every CD-ROM that has one, in document order.
    var cdromFiles: [String] = []
    /// `<log file=…>` of serial ports and consoles, in document order.
    var consoleLogFiles: [String] = []
    /// The virtual CPUs (`<vcpu current=…>`, else `<vcpu>`).
    var vcpus: Int?

    /// Parses a domain's XML; `nil` when it does not parse as one.
    init?(xml: String) {
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
    func interface(mac: MACAddress) -> Interface? {
        interfaces.first { AddressSelection.sameMAC($0.mac, mac) }
    }
}

import Foundation
import FoundationXML
import SandboxValues

/// A domain's XML read once, with a real XML parser, into what the layers above act on: the
/// NICs (MAC, network or bridge, host device), disks, boot, CPU, memory, virt type and arch,
/// console-log files, and the `<metadata>` elements (SandboxCore's own as ``sandbox``).
/// Create, destroy, discovery, diagnosis and the base VM read a domain through it; nothing scans
/// XML text.
package struct DomainDescription: Sendable, Hashable {
    package struct Interface: Sendable, Hashable {
        package var mac: String
        /// `network`, `bridge`, `user`, …
        package var type: String?
        /// The libvirt network for `type='network'`.
        package var network: String?
        /// The host bridge for `type='bridge'`.
        package var bridge: String?
        /// The host-side device (`vnet0`), present while the domain runs.
        package var targetDevice: String?
        /// `<model type=…>`: `virtio`, `e1000`, …
        package var model: String?
        /// The `<filterref>` parameters (`IP` binds the filter to an address), name and value.
        package var filterParameters: [FilterParameter] = []
    }

    package struct FilterParameter: Sendable, Hashable {
        package var name: String
        package var value: String
    }

    package struct Disk: Sendable, Hashable {
        /// `disk`, `cdrom`, `floppy`, `lun`; `disk` when not given.
        package var device: String
        /// `file`, `block`, `network`, `volume`, …
        package var type: String?
        /// `<source file=…>`.
        package var file: String?
        /// `<driver type=…>`: `qcow2`, `raw`, …
        package var format: String?
        /// `<target bus=…>`: `virtio`, `scsi`, `sata`, …
        package var bus: String?
    }

    package var name: String?
    /// `kvm`, `qemu`, `test`, …
    package var virtType: String?
    /// `x86_64`, `aarch64`, …
    package var arch: String?
    package var machine: String?
    /// Direct kernel boot: `<os><kernel>`, `<initrd>`, `<cmdline>`.
    package var kernel: String?
    package var initrd: String?
    package var cmdline: String?
    /// Firmware boot: `<os><loader>` and `<nvram>` (its text: the variable store; `template`).
    package var loader: String?
    package var nvram: String?
    package var nvramTemplate: String?
    /// `<cpu mode=…>` and `<cpu><model>`.
    package var cpuMode: String?
    package var cpuModel: String?
    /// The `<qemu:commandline>` arguments, in order.
    package var qemuArguments: [String] = []
    /// `<memory>` in KiB (any unit converted); nil when absent or not a number.
    package var memoryKiB: Int?
    package var emulator: String?
    package var disks: [Disk] = []
    /// The children of `<metadata>` as XML, by namespace URI (libvirt keeps one per namespace).
    package var metadata: [String: String] = [:]
    /// SandboxCore's own metadata, when the domain is a sandbox.
    package var sandbox: SandboxMetadata?
    package var interfaces: [Interface] = []
    /// The `<source file=…>` of every CD-ROM that has one, in document order.
    package var cdromFiles: [String] = []
    /// `<log file=…>` of serial ports and consoles, in document order.
    package var consoleLogFiles: [String] = []
    /// `<source path=…>` of file-backed serial ports and consoles, in document order.
    package var consoleFiles: [String] = []
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
        func text(_ xpath: String) -> String? {
            values(root, xpath).first?.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        name = text("name")
        virtType = values(root, "@type").first
        arch = values(root, "os/type/@arch").first
        machine = values(root, "os/type/@machine").first
        kernel = text("os/kernel")
        initrd = text("os/initrd")
        cmdline = text("os/cmdline")
        loader = text("os/loader")
        nvram = text("os/nvram")
        nvramTemplate = values(root, "os/nvram/@template").first
        cpuMode = values(root, "cpu/@mode").first
        cpuModel = text("cpu/model")
        qemuArguments = values(root, "*[local-name()='commandline']/*[local-name()='arg']/@value")
        memoryKiB = text("memory").flatMap(Int.init).map {
            Self.kibibytes($0, unit: values(root, "memory/@unit").first)
        }
        emulator = text("devices/emulator")
        for case let element as XMLElement in (try? root.nodes(forXPath: "devices/disk")) ?? [] {
            disks.append(
                Disk(
                    device: element.attribute(forName: "device")?.stringValue ?? "disk",
                    type: element.attribute(forName: "type")?.stringValue, file: values(element, "source/@file").first,
                    format: values(element, "driver/@type").first, bus: values(element, "target/@bus").first))
        }
        for case let element as XMLElement in (try? root.nodes(forXPath: "metadata/*")) ?? [] {
            guard let namespace = element.uri else { continue }
            metadata[namespace] = element.xmlString
            if namespace == SandboxMetadata.namespaceURI { sandbox = SandboxMetadata(element: element) }
        }
        for case let element as XMLElement in (try? root.nodes(forXPath: "devices/interface")) ?? [] {
            guard let mac = values(element, "mac/@address").first else { continue }
            interfaces.append(
                Interface(
                    mac: mac, type: element.attribute(forName: "type")?.stringValue,
                    network: values(element, "source/@network").first, bridge: values(element, "source/@bridge").first,
                    targetDevice: values(element, "target/@dev").first, model: values(element, "model/@type").first,
                    filterParameters: ((try? element.nodes(forXPath: "filterref/parameter")) ?? []).compactMap {
                        guard let parameter = $0 as? XMLElement,
                            let name = parameter.attribute(forName: "name")?.stringValue,
                            let value = parameter.attribute(forName: "value")?.stringValue
                        else { return nil }
                        return FilterParameter(name: name, value: value)
                    }))
        }
        cdromFiles = disks.filter { $0.device == "cdrom" }.compactMap(\.file).filter { !$0.isEmpty }
        consoleLogFiles = values(root, "devices/serial/log/@file") + values(root, "devices/console/log/@file")
        consoleFiles =
            values(root, "devices/serial[@type='file']/source/@path")
            + values(root, "devices/console[@type='file']/source/@path")
        vcpus = (values(root, "vcpu/@current").first ?? values(root, "vcpu").first).flatMap {
            Int($0.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    /// `value` in `unit` (libvirt's units; KiB when absent) as KiB.
    static func kibibytes(_ value: Int, unit: String?) -> Int {
        switch (unit ?? "KiB").lowercased() {
        case "b", "bytes": return value / 1024
        case "kb": return value * 1000 / 1024
        case "k", "kib": return value
        case "mb": return value * 1_000_000 / 1024
        case "m", "mib": return value * 1024
        case "gb": return value * 1_000_000_000 / 1024
        case "g", "gib": return value * 1024 * 1024
        case "t", "tib": return value * 1024 * 1024 * 1024
        default: return value
        }
    }

    /// Every file a console's output goes to: file-backed serial ports and consoles first, then
    /// their `<log file=…>`; each once.
    package var consolePaths: [String] {
        var paths: [String] = []
        for path in consoleFiles + consoleLogFiles where !paths.contains(path) { paths.append(path) }
        return paths
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

import Foundation
import FoundationXML

/// What a sandbox inherits from its base VM, read from the base's libvirt domain XML with a real
/// XML parser.
public struct BaseVM: Sendable, Hashable {
    public var name: String
    /// The first file-backed disk: the backing file of every clone.
    public var diskPath: String
    /// The disk's format as libvirt declares it (`driver type`); nil when not declared.
    public var declaredDiskFormat: DiskFormat?
    public var virtType: String
    public var arch: DomainSpec.Architecture
    public var machine: String?
    public var boot: DomainSpec.Boot
    /// The base's own UEFI variable store (`<nvram>` text), if it declares one. A clone copies the
    /// `<nvram template>` when there is one, else this file (see ``SandboxManager``).
    public var nvramPath: String?
    /// The base's CPU model, inherited by clones: `host-passthrough`, `maximum`, a custom model,
    /// or `maximum` with `-cpu max,pauth-impdef=on` in `<qemu:commandline>`
    /// (``DomainSpec/CPUModel/maximumImpdefPointerAuth``). nil when the base has no `<cpu>`.
    public var cpu: DomainSpec.CPUModel?
    public var memoryMiB: Int
    public var vcpus: Int
    public var nicSource: DomainSpec.NIC.Source?
    /// The CD-ROM image that looks like a cloud-init seed, if the base has one. Clones never use it.
    public var seedISOPath: String?
    /// The emulator binary the base uses.
    public var emulator: String?

    /// Parses a domain's XML. Throws `.invalidXML` when it does not parse and `.invalidBase` when it
    /// has no file-backed disk or an architecture SandboxCore does not support.
    public init(xml: String) throws(SandboxError) {
        let root: XMLElement
        do {
            let document = try XMLDocument(xmlString: xml, options: [])
            guard let element = document.rootElement(), element.name == "domain" else {
                throw SandboxError(.invalidXML, "the base VM's XML has no <domain> root")
            }
            root = element
        } catch let error as SandboxError {
            throw error
        } catch {
            throw SandboxError(.invalidXML, "the base VM's XML does not parse: \(error.localizedDescription)")
        }
        func first(_ xpath: String) -> XMLNode? { (try? root.nodes(forXPath: xpath))?.first }
        func text(_ xpath: String) -> String? {
            first(xpath)?.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        name = text("/domain/name") ?? ""
        virtType = text("/domain/@type") ?? "kvm"
        let archText = text("/domain/os/type/@arch") ?? "x86_64"
        guard let parsedArch = DomainSpec.Architecture(rawValue: archText) else {
            throw SandboxError(.invalidBase, "base VM \(name) has architecture \(archText); supported: x86_64, aarch64")
        }
        arch = parsedArch
        machine = text("/domain/os/type/@machine")

        let disks = (try? root.nodes(forXPath: "/domain/devices/disk[@device='disk' or not(@device)]")) ?? []
        var found: (path: String, format: String?)?
        for case let disk as XMLElement in disks where disk.attribute(forName: "type")?.stringValue == "file" {
            guard let path = (try? disk.nodes(forXPath: "source/@file"))?.first?.stringValue, !path.isEmpty else {
                continue
            }
            found = (path, (try? disk.nodes(forXPath: "driver/@type"))?.first?.stringValue)
            break
        }
        guard let found else {
            throw SandboxError(.invalidBase, "base VM \(name) has no file-backed disk to clone")
        }
        diskPath = found.path
        if let format = found.format {
            guard let known = DiskFormat(rawValue: format) else {
                throw SandboxError(.invalidBase, "base VM \(name)'s disk is \(format); supported: qcow2, raw")
            }
            declaredDiskFormat = known
        } else {
            declaredDiskFormat = nil
        }

        if let kernel = text("/domain/os/kernel"), !kernel.isEmpty {
            boot = .kernel(path: kernel, initrd: text("/domain/os/initrd"), cmdline: text("/domain/os/cmdline") ?? "")
        } else {
            let loader = text("/domain/os/loader")
            boot = .firmware(
                loader: loader?.isEmpty == false ? loader : nil, nvramTemplate: text("/domain/os/nvram/@template"))
        }
        nvramPath = text("/domain/os/nvram").flatMap { $0.isEmpty ? nil : $0 }
        cpu = Self.cpuModel(root)

        let memoryValue = Int(text("/domain/memory") ?? "") ?? 1_048_576
        memoryMiB = Self.mebibytes(memoryValue, unit: text("/domain/memory/@unit") ?? "KiB")
        vcpus = Int(text("/domain/vcpu") ?? "") ?? 1

        if let network = text("/domain/devices/interface[@type='network']/source/@network") {
            nicSource = .network(network)
        } else if let bridge = text("/domain/devices/interface[@type='bridge']/source/@bridge") {
            nicSource = .bridge(bridge)
        } else {
            nicSource = nil
        }

        let cdroms = (try? root.nodes(forXPath: "/domain/devices/disk[@device='cdrom']/source/@file")) ?? []
        seedISOPath = cdroms.compactMap(\.stringValue).first
        emulator = text("/domain/devices/emulator")
    }

    /// The CPU model of a domain, as ``DomainSpec/CPUModel``.
    static func cpuModel(_ root: XMLElement) -> DomainSpec.CPUModel? {
        func first(_ xpath: String) -> String? {
            (try? root.nodes(forXPath: xpath))?.first?.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let arguments =
            ((try? root.nodes(forXPath: "/domain/*[local-name()='commandline']/*[local-name()='arg']/@value"))
            ?? []).compactMap(\.stringValue)
        let passesImpdefCPU = zip(arguments, arguments.dropFirst()).contains {
            $0 == "-cpu" && $1 == DomainSpec.CPUModel.impdefPointerAuthArgument
        }
        switch first("/domain/cpu/@mode") {
        case "host-passthrough": return .hostPassthrough
        case "maximum": return passesImpdefCPU ? .maximumImpdefPointerAuth : .maximum
        case "host-model": return nil
        default:
            if passesImpdefCPU { return .maximumImpdefPointerAuth }
            guard let model = first("/domain/cpu/model"), !model.isEmpty else { return nil }
            return .named(model)
        }
    }

    static func mebibytes(_ value: Int, unit: String) -> Int {
        switch unit.lowercased() {
        case "b", "bytes": return value / (1024 * 1024)
        case "kb": return value * 1000 / (1024 * 1024)
        case "k", "kib": return value / 1024
        case "mb": return value * 1_000_000 / (1024 * 1024)
        case "m", "mib": return value
        case "gb": return value * 1_000_000_000 / (1024 * 1024)
        case "g", "gib": return value * 1024
        case "t", "tib": return value * 1024 * 1024
        default: return value / 1024
        }
    }
}

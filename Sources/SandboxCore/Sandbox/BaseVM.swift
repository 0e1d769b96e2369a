import Foundation

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

    /// The boot time the base declares in its ``BaseVMHints``, which its clones' address waits
    /// scale by; nil when it declares none.
    public var expectedBootSeconds: Int?

    /// Parses a domain's XML. Throws `.invalidXML` when it does not parse and `.invalidBase` when it
    /// has no file-backed disk or an architecture SandboxCore does not support.
    public init(xml: String) throws(SandboxError) {
        guard let description = DomainDescription(xml: xml) else {
            throw SandboxError(.invalidXML, "the base VM's XML does not parse as a <domain>")
        }
        try self.init(description)
    }

    /// Reads a base VM from its parsed description (see ``init(xml:)``).
    init(_ domain: DomainDescription) throws(SandboxError) {
        name = domain.name ?? ""
        virtType = domain.virtType ?? "kvm"
        let archText = domain.arch ?? "x86_64"
        guard let parsedArch = DomainSpec.Architecture(rawValue: archText) else {
            throw SandboxError(.invalidBase, "base VM \(name) has architecture \(archText); supported: x86_64, aarch64")
        }
        arch = parsedArch
        machine = domain.machine
        guard let disk = domain.disks.first(where: { $0.device == "disk" && $0.type == "file" && $0.file != nil }),
            let path = disk.file
        else {
            throw SandboxError(.invalidBase, "base VM \(name) has no file-backed disk to clone")
        }
        diskPath = path
        if let format = disk.format {
            guard let known = DiskFormat(rawValue: format) else {
                throw SandboxError(.invalidBase, "base VM \(name)'s disk is \(format); supported: qcow2, raw")
            }
            declaredDiskFormat = known
        } else {
            declaredDiskFormat = nil
        }
        if let kernel = domain.kernel {
            boot = .kernel(path: kernel, initrd: domain.initrd, cmdline: domain.cmdline ?? "")
        } else {
            boot = .firmware(loader: domain.loader, nvramTemplate: domain.nvramTemplate)
        }
        nvramPath = domain.nvram
        cpu = Self.cpuModel(domain)
        memoryMiB = (domain.memoryKiB ?? 1_048_576) / 1024
        vcpus = domain.vcpus ?? 1
        if let network = domain.interfaces.first(where: { $0.type == "network" && $0.network != nil })?.network {
            nicSource = .network(network)
        } else if let bridge = domain.interfaces.first(where: { $0.type == "bridge" && $0.bridge != nil })?.bridge {
            nicSource = .bridge(bridge)
        } else {
            nicSource = nil
        }
        seedISOPath = domain.cdromFiles.first
        emulator = domain.emulator
        expectedBootSeconds = domain.metadata[BaseVMHints.namespaceURI].flatMap(
            BaseVMHints.expectedBootSeconds(metadataXML:))
    }

    /// The CPU model of a domain, as ``DomainSpec/CPUModel``.
    static func cpuModel(_ domain: DomainDescription) -> DomainSpec.CPUModel? {
        let arguments = domain.qemuArguments
        let passesImpdefCPU = zip(arguments, arguments.dropFirst()).contains {
            $0 == "-cpu" && $1 == DomainSpec.CPUModel.impdefPointerAuthArgument
        }
        switch domain.cpuMode {
        case "host-passthrough": return .hostPassthrough
        case "maximum": return passesImpdefCPU ? .maximumImpdefPointerAuth : .maximum
        case "host-model": return nil
        default:
            if passesImpdefCPU { return .maximumImpdefPointerAuth }
            guard let model = domain.cpuModel, !model.isEmpty else { return nil }
            return .named(model)
        }
    }
}

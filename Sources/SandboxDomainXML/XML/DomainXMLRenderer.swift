import SandboxValues

/// Renders a ``DomainSpec`` as libvirt domain XML.
///
/// Pure and deterministic: the same spec gives the same string. Every value is validated
/// (``DomainSpec/validate()``) and then escaped, so caller input cannot change the document's
/// structure. Thread-safe (a value type without state).
public struct DomainXMLRenderer: Sendable {
    public init() {}

    /// Validates `spec` and renders it. Throws `.invalidArgument` for an unacceptable value.
    public func render(_ spec: DomainSpec) throws(SandboxError) -> String {
        try spec.validate()
        return domainElement(spec).render()
    }

    package func domainElement(_ spec: DomainSpec) -> XMLTree {
        var children: [XMLTree] = [XMLTree("name", text: spec.name.value)]
        if let uuid = spec.uuid { children.append(XMLTree("uuid", text: uuid.uuidString.lowercased())) }
        if let metadata = spec.metadata { children.append(metadataElement(metadata)) }
        children.append(XMLTree("memory", [("unit", "MiB")], text: String(spec.memoryMiB)))
        children.append(XMLTree("currentMemory", [("unit", "MiB")], text: String(spec.memoryMiB)))
        children.append(XMLTree("vcpu", [("placement", "static")], text: String(spec.vcpus)))
        if let cputune = spec.cpuTune.flatMap(Self.cputuneElement) { children.append(cputune) }
        children.append(osElement(spec))
        children.append(featuresElement(spec))
        if let cpu = cpuElement(spec) { children.append(cpu) }
        children.append(XMLTree("clock", [("offset", "utc")]))
        children.append(XMLTree("on_poweroff", text: "destroy"))
        children.append(XMLTree("on_reboot", text: "restart"))
        children.append(XMLTree("on_crash", text: "destroy"))
        children.append(devicesElement(spec))
        var attributes = [("type", spec.virtType.rawValue)]
        if spec.cpu == .maximumImpdefPointerAuth {
            // libvirt has no XML for pauth-impdef: QEMU takes the last -cpu, this one. Taints the domain.
            attributes.append(("xmlns:\(Self.qemuPrefix)", Self.qemuNamespaceURI))
            children.append(
                XMLTree(
                    "\(Self.qemuPrefix):commandline",
                    children: ["-cpu", DomainSpec.CPUModel.impdefPointerAuthArgument].map {
                        XMLTree("\(Self.qemuPrefix):arg", [("value", $0)])
                    }))
        }
        return XMLTree("domain", attributes, children: children)
    }

    /// libvirt's QEMU namespace for `<qemu:commandline>` (pass-through QEMU arguments).
    package static let qemuNamespaceURI = "http://libvirt.org/schemas/domain/qemu/1.0"
    package static let qemuPrefix = "qemu"

    private func metadataElement(_ metadata: SandboxMetadata) -> XMLTree {
        let prefix = SandboxMetadata.namespacePrefix
        return XMLTree("metadata", children: [metadata.element(prefix: prefix)])
    }

    private func osElement(_ spec: DomainSpec) -> XMLTree {
        let machine = spec.machine ?? spec.arch.defaultMachine
        var attributes: [(String, String)] = []
        var children = [XMLTree("type", [("arch", spec.arch.rawValue), ("machine", machine)], text: "hvm")]
        switch spec.boot {
        case .firmware(let loader, let nvram):
            if let loader {
                children.append(XMLTree("loader", [("readonly", "yes"), ("type", "pflash")], text: loader))
            } else if spec.arch == .aarch64 {
                attributes.append(("firmware", "efi"))
            }
            // A template only with an explicit loader: auto-selection brings its own.
            let template = loader == nil ? [] : nvram.map { [("template", $0)] } ?? []
            if spec.usesUEFI, !template.isEmpty || spec.nvramPath != nil {
                if let path = spec.nvramPath {
                    children.append(XMLTree("nvram", template, text: path))
                } else {
                    children.append(XMLTree("nvram", template))
                }
            }
        case .kernel(let path, let initrd, let cmdline):
            children.append(XMLTree("kernel", text: path))
            if let initrd { children.append(XMLTree("initrd", text: initrd)) }
            children.append(XMLTree("cmdline", text: cmdline))
        }
        return XMLTree("os", attributes, children: children)
    }

    private func featuresElement(_ spec: DomainSpec) -> XMLTree {
        switch spec.arch {
        case .x86_64: return XMLTree("features", children: [XMLTree("acpi"), XMLTree("apic")])
        case .aarch64:
            var features = [XMLTree("gic", [("version", "3")])]
            if case .firmware = spec.boot { features.insert(XMLTree("acpi"), at: 0) }
            return XMLTree("features", children: features)
        }
    }

    /// The CPU element: the given model, else host-passthrough under KVM, `cortex-a57` for emulated
    /// aarch64 (QEMU's `max` spends most boot time emulating pointer authentication: 94–98 s to a
    /// DHCP lease against 43–45 s for `cortex-a57`, 1 vCPU on a 2-core x86_64 host; `cortex-a76`
    /// and `neoverse-n1` are no faster), and QEMU's
    /// default for emulated x86_64. ``DomainSpec/CPUModel/maximumImpdefPointerAuth`` renders as
    /// `<cpu mode='maximum'/>` plus a `<qemu:commandline>` (see ``domainElement(_:)``).
    private func cpuElement(_ spec: DomainSpec) -> XMLTree? {
        let model: DomainSpec.CPUModel
        if let chosen = spec.cpu {
            model = chosen
        } else if spec.virtType == .kvm {
            model = .hostPassthrough
        } else if spec.arch == .aarch64 {
            model = .named("cortex-a57")
        } else {
            return nil
        }
        switch model {
        case .hostPassthrough: return XMLTree("cpu", [("mode", "host-passthrough")])
        case .maximum, .maximumImpdefPointerAuth: return XMLTree("cpu", [("mode", "maximum")])
        case .named(let name):
            return XMLTree(
                "cpu", [("mode", "custom"), ("match", "exact"), ("check", "none")],
                children: [XMLTree("model", [("fallback", "forbid")], text: name)])
        }
    }

    private func devicesElement(_ spec: DomainSpec) -> XMLTree {
        var devices: [XMLTree] = []
        if let emulator = spec.emulator { devices.append(XMLTree("emulator", text: emulator)) }
        var disk = [
            XMLTree("driver", [("name", "qemu"), ("type", spec.disk.format.rawValue), ("discard", "unmap")]),
            XMLTree("source", [("file", spec.disk.path)]),
            XMLTree("target", [("dev", "vda"), ("bus", "virtio")]),
        ]
        if let iotune = spec.disk.ioTune.flatMap(Self.iotuneElement) { disk.append(iotune) }
        if case .firmware = spec.boot { disk.append(XMLTree("boot", [("order", "1")])) }
        devices.append(XMLTree("disk", [("type", "file"), ("device", "disk")], children: disk))
        if let seed = spec.seedISOPath {
            devices.append(
                XMLTree(
                    "disk", [("type", "file"), ("device", "cdrom")],
                    children: [
                        XMLTree("driver", [("name", "qemu"), ("type", "raw")]),
                        XMLTree("source", [("file", seed)]),
                        XMLTree("target", [("dev", "sda"), ("bus", "scsi")]),
                        XMLTree("readonly"),
                        XMLTree(
                            "address",
                            [("type", "drive"), ("controller", "0"), ("bus", "0"), ("target", "0"), ("unit", "0")]),
                    ]))
            devices.append(XMLTree("controller", [("type", "scsi"), ("index", "0"), ("model", "virtio-scsi")]))
        }
        for nic in spec.allNICs { devices.append(Self.interface(nic)) }
        var serial = [XMLTree("target", [("port", "0")])]
        if let log = spec.serialLogPath { serial.insert(XMLTree("log", [("file", log), ("append", "off")]), at: 0) }
        devices.append(XMLTree("serial", [("type", "pty")], children: serial))
        devices.append(
            XMLTree("console", [("type", "pty")], children: [XMLTree("target", [("type", "serial"), ("port", "0")])]))
        if spec.guestAgent {
            devices.append(
                XMLTree(
                    "channel", [("type", "unix")],
                    children: [XMLTree("target", [("type", "virtio"), ("name", "org.qemu.guest_agent.0")])]))
        }
        devices.append(
            XMLTree(
                "rng", [("model", "virtio")],
                children: [XMLTree("backend", [("model", "random")], text: "/dev/urandom")]))
        devices.append(XMLTree("memballoon", [("model", "virtio")]))
        return XMLTree("devices", children: devices)
    }

    private static func interface(_ nic: DomainSpec.NIC) -> XMLTree {
        let source: XMLTree
        let kind: String
        switch nic.source {
        case .network(let name):
            kind = "network"
            source = XMLTree("source", [("network", name)])
        case .bridge(let name):
            kind = "bridge"
            source = XMLTree("source", [("bridge", name)])
        }
        var children = [
            XMLTree("mac", [("address", nic.mac.description)]), source, XMLTree("model", [("type", nic.model)]),
        ]
        if let filter = nic.filter {
            let parameters = nic.filterParameters.map {
                XMLTree("parameter", [("name", $0.name), ("value", $0.value)])
            }
            children.append(XMLTree("filterref", [("filter", filter)], children: parameters))
        }
        if let bandwidth = nic.bandwidth.flatMap(bandwidthElement) { children.append(bandwidth) }
        if nic.isolated { children.append(XMLTree("port", [("isolated", "yes")])) }
        return XMLTree("interface", [("type", kind)], children: children)
    }
}

// MARK: Resource controls

extension DomainXMLRenderer {
    /// `<cputune>` with the values set, in libvirt's order; nil when none is.
    package static func cputuneElement(_ tune: DomainSpec.CPUTune) -> XMLTree? {
        var children: [XMLTree] = []
        if let shares = tune.shares { children.append(XMLTree("shares", text: String(shares))) }
        if let period = tune.periodMicroseconds { children.append(XMLTree("period", text: String(period))) }
        if let quota = tune.quotaMicroseconds { children.append(XMLTree("quota", text: String(quota))) }
        return children.isEmpty ? nil : XMLTree("cputune", children: children)
    }

    /// The disk's `<iotune>` with the values set; nil when none is.
    package static func iotuneElement(_ tune: DomainSpec.DiskIOTune) -> XMLTree? {
        var children: [XMLTree] = []
        if let bytes = tune.totalBytesPerSecond { children.append(XMLTree("total_bytes_sec", text: String(bytes))) }
        if let iops = tune.totalIOPerSecond { children.append(XMLTree("total_iops_sec", text: String(iops))) }
        return children.isEmpty ? nil : XMLTree("iotune", children: children)
    }

    /// The NIC's `<bandwidth>` with the directions set; nil when neither is.
    package static func bandwidthElement(_ bandwidth: DomainSpec.Bandwidth) -> XMLTree? {
        func rate(_ name: String, _ rate: DomainSpec.Bandwidth.Rate?) -> XMLTree? {
            guard let rate else { return nil }
            var attributes = [("average", String(rate.averageKiBPerSecond))]
            if let peak = rate.peakKiBPerSecond { attributes.append(("peak", String(peak))) }
            if let burst = rate.burstKiB { attributes.append(("burst", String(burst))) }
            return XMLTree(name, attributes)
        }
        let children = [rate("inbound", bandwidth.inbound), rate("outbound", bandwidth.outbound)].compactMap { $0 }
        return children.isEmpty ? nil : XMLTree("bandwidth", children: children)
    }
}

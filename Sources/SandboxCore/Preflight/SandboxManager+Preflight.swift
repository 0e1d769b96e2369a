import Foundation
import FoundationXML

extension SandboxManager {
    /// Checks, before any sandbox is made, that clones of base VM `name` can come up: the base is
    /// shut off; its first disk is a readable qcow2 or raw file whose format matches what libvirt
    /// declares; its NIC (if any) is virtio and on a network or bridge; the seed can be attached on
    /// a bus its architecture supports; QEMU's user can reach the base's disk and the jobs root; the
    /// network clones join is running with a DHCP server (``NetworkHealth``); the network filter
    /// exists; and the timeout a clone's address wait gets versus the boot time the base declares.
    /// Read-only: nothing is created or changed.
    ///
    /// - Throws: `.notFound` when there is no such domain; every other problem is a finding.
    public func validateBase(_ name: String) async throws(SandboxError) -> PreflightReport {
        try ValueChecks.freeText(name, what: "base VM name", maxBytes: 255)
        guard let summary = try await domains.domain(named: name) else {
            throw SandboxError(.notFound, "base VM \(ValueChecks.quoted(name)) does not exist")
        }
        var findings: [PreflightReport.Finding] = []
        func add(_ check: String, _ severity: PreflightReport.Finding.Severity, _ message: String, fix: String? = nil) {
            findings.append(.init(check: check, severity: severity, message: message, fix: fix))
        }

        if summary.state == .shutOff {
            add("base-state", .info, "shut off")
        } else {
            add(
                "base-state", .error, "\(summary.state): an overlay on a disk in use corrupts",
                fix: "shut it down (virsh shutdown \(name)) and create sandboxes only while it stays off")
        }

        let xml = try await domains.domainXML(named: name, inactive: true, secure: false)
        let domain = DomainDescription(xml: xml)
        let base: BaseVM
        do throws(SandboxError) {
            guard let domain else { throw SandboxError(.invalidXML, "the base VM's XML does not parse as a <domain>") }
            base = try BaseVM(domain)
        } catch {
            add(
                "base-xml", .error, error.message,
                fix: "give the base a file-backed qcow2 or raw disk on x86_64 or aarch64")
            return PreflightReport(base: name, findings: findings, effectiveTimeout: nil)
        }
        findings += Self.diskFindings(base)
        if let domain { findings += Self.deviceFindings(base, domain, defaultNetwork: configuration.defaultNetwork) }
        findings += Self.emulatedKernelFindings(base)
        findings += await hostFindings(base: base)

        let expected: Int?
        do {
            expected = try await BaseVMHints.expectedBootSeconds(ofBase: name, domains: domains)
        } catch {
            expected = nil
        }
        let timeout = configuration.discoveryTimeout.effective(
            virtType: base.virtType, guestArch: base.arch.rawValue, expectedBootSeconds: expected)
        add("timeout", .info, "a clone's address wait gets \(timeout)")
        if expected == nil {
            add(
                "expected-boot", .info, "the base declares no expected boot time",
                fix: "measure one clone's boot-to-IP time and declare it in the base's metadata (see DiscoveryTimeout)")
        }
        return PreflightReport(base: name, findings: findings, effectiveTimeout: timeout)
    }

    static func diskFindings(_ base: BaseVM) -> [PreflightReport.Finding] {
        do {
            let image = try DiskImage.inspect(path: base.diskPath)
            if let declared = base.declaredDiskFormat, declared != image.format {
                return [
                    .init(
                        check: "disk-format", severity: .error,
                        message: "libvirt declares \(base.diskPath) as \(declared) but it is \(image.format)",
                        fix: "correct <driver type='\(image.format)'/> in the base's disk")
                ]
            }
            return [
                .init(
                    check: "disk", severity: .info,
                    message: "\(base.diskPath): \(image.format), \(image.virtualSize >> 20) MiB virtual")
            ]
        } catch {
            return [
                .init(
                    check: "disk", severity: .error, message: error.message,
                    fix: "make the base's first disk a readable qcow2 or raw file")
            ]
        }
    }

    static func deviceFindings(
        _ base: BaseVM, _ domain: DomainDescription, defaultNetwork: DomainSpec.NIC.Source
    ) -> [PreflightReport.Finding] {
        var findings: [PreflightReport.Finding] = []
        if domain.interfaces.isEmpty {
            findings.append(
                .init(
                    check: "nic", severity: .info,
                    message: "the base has no NIC; sandboxes join \(defaultNetwork) unless a request names one"))
        } else if base.nicSource == nil {
            findings.append(
                .init(
                    check: "nic", severity: .warning,
                    message: "the base's NIC is neither on a libvirt network nor a bridge",
                    fix: "attach it to a libvirt network, or name one in each request"))
        }
        if let model = domain.interfaces.first?.model, model != "virtio" {
            findings.append(
                .init(
                    check: "nic-model", severity: .warning,
                    message: "the base's NIC model is \(model); sandboxes always get virtio",
                    fix: "make sure the guest kernel has virtio_net (every cloud image has)"))
        }
        let cdromBus = domain.disks.first { $0.device == "cdrom" }?.bus
        if base.arch == .aarch64, let cdromBus, ["ide", "sata"].contains(cdromBus) {
            findings.append(
                .init(
                    check: "cdrom-bus", severity: .info,
                    message:
                        "the base's CD-ROM is on \(cdromBus), which arm64 cloud kernels cannot see; sandboxes put their seed on virtio-scsi"
                ))
        }
        if let seed = base.seedISOPath {
            findings.append(
                .init(
                    check: "base-cdrom", severity: .info,
                    message: "the base has a CD-ROM (\(seed)); clones never reuse it, each gets its own seed"))
        }
        if base.virtType == "qemu" {
            findings.append(
                .init(
                    check: "acceleration", severity: .info,
                    message: "the base runs under TCG emulation (domain type qemu): boots take minutes",
                    fix: "use domain type kvm where /dev/kvm works"))
        }
        return findings
    }

    /// What ``EmulatedKernelTuning`` will do for clones of an emulated base, or why it cannot.
    static func emulatedKernelFindings(_ base: BaseVM) -> [PreflightReport.Finding] {
        guard let virtType = DomainSpec.VirtType(rawValue: base.virtType) else { return [] }
        let arguments = EmulatedKernelTuning.arguments(arch: base.arch, virtType: virtType)
        guard !arguments.isEmpty else { return [] }
        let added = arguments.joined(separator: " ")
        switch base.boot {
        case .kernel(_, _, let cmdline):
            let tuned = EmulatedKernelTuning.tuned(cmdline, arch: base.arch, virtType: virtType)
            let message =
                tuned == cmdline
                ? "the base's kernel command line already decides KPTI (\(cmdline)); clones keep it"
                : "clones boot with '\(added)' appended to the base's kernel command line (see EmulatedKernelTuning)"
            return [.init(check: "emulated-kernel", severity: .info, message: message)]
        case .firmware:
            return [
                .init(
                    check: "emulated-kernel", severity: .warning,
                    message:
                        "the base boots through UEFI, so its kernel command line comes from its boot loader: KASLR turns KPTI on, and an emulated aarch64 guest then takes ~1.6× as long to its lease",
                    fix:
                        "add '\(added)' to GRUB_CMDLINE_LINUX in the base (then update-grub), or boot its kernel directly"
                )
            ]
        }
    }
}

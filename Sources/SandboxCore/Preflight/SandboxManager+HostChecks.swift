import Foundation

extension SandboxManager {
    /// What ``validateBase(_:)`` checks about the host rather than the base: whether QEMU's user
    /// can reach the base's disk and the jobs root, whether the network clones join is running
    /// with a DHCP server, and whether the network filter sandboxes get exists.
    func hostFindings(base: BaseVM) async -> [PreflightReport.Finding] {
        var findings: [PreflightReport.Finding] = []
        let virtType = DomainSpec.VirtType(rawValue: base.virtType) ?? .qemu
        if let qemu = await qemuIdentity(virtType: virtType) {
            findings += Self.accessFindings(
                qemu: qemu, baseDisk: base.diskPath, jobsRoot: configuration.jobsRoot, stat: PathAccess.localStat)
        }
        if case .network(let network) = base.nicSource ?? configuration.defaultNetwork {
            findings += Self.networkFindings(await NetworkHealth.check(network: network, domains: domains))
        }
        findings += await filterFindings()
        return findings
    }

    static func accessFindings(
        qemu: QEMUProcessIdentity, baseDisk: String, jobsRoot: String, stat: (String) -> PathAccess.Node?
    ) -> [PreflightReport.Finding] {
        guard !qemu.isRoot else {
            return [.init(check: "qemu-user", severity: .info, message: "QEMU runs as root")]
        }
        var findings: [PreflightReport.Finding] = [
            .init(
                check: "qemu-user", severity: .info,
                message:
                    "QEMU runs as \(qemu); job folders are made 0710 with its group and the files it opens are handed to it"
            )
        ]
        if let folder = PathAccess.blockingFolder(above: baseDisk, for: qemu, stat: stat) {
            findings.append(
                .init(
                    check: "base-disk-access", severity: .error,
                    message: "QEMU (\(qemu)) cannot pass through \(folder) to the base's disk \(baseDisk)",
                    fix: "chmod o+x \(folder) (or move the base's disk under /var/lib/libvirt/images)"))
        } else if let disk = stat(baseDisk), !PathAccess.allows(disk, qemu, bit: 4) {
            findings.append(
                .init(
                    check: "base-disk-access", severity: .info,
                    message:
                        "the base's disk is not readable by QEMU's user; libvirt's dynamic_ownership (on by default) hands it over when a clone starts",
                    fix:
                        "with dynamic_ownership = 0 in qemu.conf, make it readable: chown \(qemu.uid):\(qemu.gid) \(baseDisk)"
                ))
        } else {
            findings.append(.init(check: "base-disk-access", severity: .info, message: "QEMU can reach \(baseDisk)"))
        }
        let probe = jobsRoot + "/probe"
        if let folder = PathAccess.blockingFolder(above: probe, for: qemu, stat: stat) {
            findings.append(
                .init(
                    check: "jobs-root-access", severity: .error,
                    message: "QEMU (\(qemu)) cannot pass through \(folder) to the job folders under \(jobsRoot)",
                    fix: "chmod o+x \(folder), or choose a jobs root QEMU can reach"))
        } else {
            let exists = stat(jobsRoot) != nil
            findings.append(
                .init(
                    check: "jobs-root-access", severity: .info,
                    message: exists
                        ? "QEMU can reach job folders under \(jobsRoot)"
                        : "\(jobsRoot) does not exist yet; the first create makes it (0711, missing parents 0755)"))
        }
        return findings
    }

    static func networkFindings(_ health: NetworkHealth) -> [PreflightReport.Finding] {
        let name = health.network
        guard let active = health.active else {
            return [
                .init(
                    check: "network", severity: .error, message: "network \(name): \(health.error ?? "unknown")",
                    fix: "define it, or name another network for sandboxes")
            ]
        }
        guard active else {
            return [
                .init(
                    check: "network", severity: .error, message: "network \(name) is not running",
                    fix: "virsh net-start \(name) (and virsh net-autostart \(name))")
            ]
        }
        guard !health.dhcpRanges.isEmpty else {
            return [
                .init(
                    check: "network", severity: .warning,
                    message:
                        "network \(name) runs without a DHCP range: clones get an address only if given a fixed one",
                    fix: "add <dhcp><range start=… end=…/></dhcp> to its <ip>, or give each sandbox a fixed address")
            ]
        }
        let ranges = health.dhcpRanges.joined(separator: ", ")
        if let pid = health.dnsmasqPID {
            return [
                .init(
                    check: "network", severity: .info,
                    message: "network \(name) is running; its dnsmasq (pid \(pid)) serves DHCP on \(ranges)")
            ]
        }
        return [
            .init(
                check: "network", severity: .warning,
                message:
                    "network \(name) is running with DHCP on \(ranges), but no dnsmasq serving it is visible on this machine (expected on a remote host)",
                fix: "on the libvirt host: virsh net-destroy \(name) && virsh net-start \(name) restarts its dnsmasq")
        ]
    }

    func filterFindings() async -> [PreflightReport.Finding] {
        switch configuration.networkFilter {
        case .none:
            return [.init(check: "network-filter", severity: .info, message: "sandboxes get no network filter")]
        case .named(let filter):
            let exists = (try? await domains.networkFilterExists(named: filter)) ?? false
            return [
                exists
                    ? .init(check: "network-filter", severity: .info, message: "sandbox NICs get filter \(filter)")
                    : .init(
                        check: "network-filter", severity: .error, message: "network filter \(filter) does not exist",
                        fix: "define it, or configure another filter")
            ]
        case .cleanTrafficIfAvailable:
            let exists = (try? await domains.networkFilterExists(named: "clean-traffic")) ?? false
            return [
                exists
                    ? .init(
                        check: "network-filter", severity: .info,
                        message: "sandbox NICs get clean-traffic (no MAC, IP or ARP spoofing)")
                    : .init(
                        check: "network-filter", severity: .warning,
                        message:
                            "the host has no clean-traffic filter: a sandbox can spoof MAC, IP and ARP on its network",
                        fix: "install libvirt's filters (Debian: libvirt-daemon-config-nwfilter) and restart libvirtd")
            ]
        }
    }
}

import Foundation
import SandboxCoreTesting
import Testing

@testable import SandboxCore

/// Preflight and diagnose know the host: QEMU's user reaching the base's disk and the jobs root,
/// the network running with a DHCP server, the network filter.
@Suite struct HostChecksTests {
    static let qemu = QEMUProcessIdentity(uid: 64055, gid: 64056)

    /// A made-up tree: path → node.
    static func tree(_ nodes: [String: PathAccess.Node]) -> (String) -> PathAccess.Node? { { nodes[$0] } }
    static func folder(_ mode: UInt32, uid: UInt32 = 0, gid: UInt32 = 0) -> PathAccess.Node {
        PathAccess.Node(uid: uid, gid: gid, mode: mode, isDirectory: true)
    }

    @Test func aFolderWithoutSearchPermissionBlocksQEMU() {
        let stat = Self.tree([
            "/var": Self.folder(0o755), "/var/tmp": Self.folder(0o1777), "/var/tmp/work": Self.folder(0o700),
            "/var/tmp/work/jobs": Self.folder(0o711),
        ])
        #expect(
            PathAccess.blockingFolder(above: "/var/tmp/work/base.qcow2", for: Self.qemu, stat: stat) == "/var/tmp/work")
        #expect(PathAccess.blockingFolder(above: "/var/tmp/base.qcow2", for: Self.qemu, stat: stat) == nil)
        #expect(PathAccess.blockingFolder(above: "/var/tmp/work/x", for: .init(uid: 0, gid: 0), stat: stat) == nil)
        // By group, by owner, and a folder that does not exist yet (the create makes it).
        let byGroup = Self.tree(["/srv": Self.folder(0o710, gid: 64056), "/home": Self.folder(0o700, uid: 64055)])
        #expect(PathAccess.blockingFolder(above: "/srv/base.qcow2", for: Self.qemu, stat: byGroup) == nil)
        #expect(PathAccess.blockingFolder(above: "/home/base.qcow2", for: Self.qemu, stat: byGroup) == nil)
        #expect(PathAccess.blockingFolder(above: "/nothing/here/x", for: Self.qemu, stat: byGroup) == nil)
        let groupDenied = Self.tree(["/srv": Self.folder(0o701, gid: 64056)])
        #expect(PathAccess.blockingFolder(above: "/srv/x", for: Self.qemu, stat: groupDenied) == "/srv")
    }

    @Test func accessFindingsNameTheFolderAndTheFix() {
        let stat = Self.tree([
            "/var": Self.folder(0o755), "/var/private": Self.folder(0o700),
            "/var/private/base.qcow2": PathAccess.Node(uid: 0, gid: 0, mode: 0o600, isDirectory: false),
            "/var/lib": Self.folder(0o755),
            "/var/lib/base.qcow2": .init(uid: 0, gid: 0, mode: 0o600, isDirectory: false),
        ])
        let blocked = SandboxManager.accessFindings(
            qemu: Self.qemu, baseDisk: "/var/private/base.qcow2", jobsRoot: "/var/private/jobs", stat: stat)
        let disk = try! #require(blocked.first { $0.check == "base-disk-access" })
        #expect(disk.severity == .error)
        #expect(disk.fix?.contains("chmod o+x /var/private") == true)
        #expect(blocked.first { $0.check == "jobs-root-access" }?.severity == .error)

        let handedOver = SandboxManager.accessFindings(
            qemu: Self.qemu, baseDisk: "/var/lib/base.qcow2", jobsRoot: "/var/lib/sandboxcore/jobs", stat: stat)
        #expect(handedOver.allSatisfy { $0.severity == .info }, "\(handedOver)")
        #expect(handedOver.contains { $0.message.contains("dynamic_ownership") })
        #expect(handedOver.contains { $0.message.contains("does not exist yet") })
        #expect(
            SandboxManager.accessFindings(qemu: .init(uid: 0, gid: 0), baseDisk: "/x", jobsRoot: "/y", stat: stat)
                .map(\.check) == ["qemu-user"])
    }

    @Test func libvirtsDnsmasqIsFoundByItsNetworksConfigurationFile() {
        let processes = [
            ProcessTable.Entry(pid: 10, arguments: ["/usr/sbin/dnsmasq", "--conf-file=/etc/dnsmasq.conf"]),
            ProcessTable.Entry(
                pid: 11,
                arguments: [
                    "/usr/sbin/dnsmasq", "--conf-file=/var/lib/libvirt/dnsmasq/sandbox-e2e.conf", "--leasefile-ro",
                ]),
            ProcessTable.Entry(pid: 12, arguments: ["vim", "--conf-file=/var/lib/libvirt/dnsmasq/default.conf"]),
        ]
        #expect(NetworkHealth.dnsmasqPID(forNetwork: "sandbox-e2e", processes: processes) == 11)
        #expect(NetworkHealth.dnsmasqPID(forNetwork: "default", processes: processes) == nil)
        #expect(NetworkHealth.dnsmasqPID(forNetwork: "sandbox", processes: processes) == nil)
    }

    @Test func dhcpRangesComeFromTheNetworksXML() {
        let xml = """
            <network><name>n</name><ip address='192.168.150.1' netmask='255.255.255.0'>
            <dhcp><range start='192.168.150.100' end='192.168.150.200'/></dhcp></ip>
            <ip family='ipv6' address='fd00::1' prefix='64'><dhcp><range start='fd00::10' end='fd00::20'/></dhcp></ip>
            </network>
            """
        #expect(NetworkHealth.dhcpRanges(networkXML: xml) == ["192.168.150.100-192.168.150.200", "fd00::10-fd00::20"])
        #expect(NetworkHealth.dhcpRanges(networkXML: "<network><ip address='10.0.0.1'/></network>").isEmpty)
        #expect(NetworkHealth.dhcpRanges(networkXML: "").isEmpty)
    }

    @Test func networkFindingsSayWhatIsWrong() {
        func finding(_ health: NetworkHealth) -> PreflightReport.Finding {
            SandboxManager.networkFindings(health)[0]
        }
        #expect(finding(.init(network: "n", active: nil, error: "no network")).severity == .error)
        #expect(finding(.init(network: "n", active: false)).fix == "virsh net-start n (and virsh net-autostart n)")
        #expect(finding(.init(network: "n", active: true)).severity == .warning)
        #expect(finding(.init(network: "n", active: true, dhcpRanges: ["a-b"])).severity == .warning)
        let ok = finding(.init(network: "n", active: true, dhcpRanges: ["a-b"], dnsmasqPID: 42))
        #expect(ok.severity == .info)
        #expect(ok.message.contains("pid 42"))
    }

    /// On the test driver: its `default` network runs (with no dnsmasq on this machine) and it has
    /// no filters; with a QEMU user that is not root, the access checks appear.
    @Test func preflightReportsTheHost() async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        let plain = try await host.manager().validateBase(base)
        #expect(plain.findings.first { $0.check == "network" }?.message.contains("running") == true, "\(plain.report)")
        #expect(plain.findings.first { $0.check == "network-filter" }?.severity == .warning)
        #expect(!plain.findings.contains { $0.check == "qemu-user" })

        let stock = FaultyDomainManager(
            host.connection, networkFilters: ["clean-traffic"],
            capabilities: JobFolderAccessTests.capabilities(qemu: "+64055:+64056"))
        let report = try await host.manager(domains: stock).validateBase(base)
        #expect(report.findings.contains { $0.check == "qemu-user" && $0.message.contains("64055") })
        #expect(report.findings.contains { $0.check == "base-disk-access" })
        #expect(report.findings.contains { $0.check == "jobs-root-access" })
        #expect(report.findings.first { $0.check == "network-filter" }?.severity == .info)
        await host.cleanUp(bases: [base])
    }

    @Test func diagnoseReportsTheNetwork() async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        let manager = host.manager()
        let sandbox = try await manager.create(SandboxRequest(baseVM: base))
        let diagnosis = try await manager.diagnose(sandbox.name)
        #expect(diagnosis.networkHealth?.network == "default")
        #expect(diagnosis.networkHealth?.active == true)
        #expect(diagnosis.report.contains("network default: running"), "\(diagnosis.report)")

        // The host around it: CPUs and memory, running domains and their vCPUs, disk, MAC collisions.
        let resources = try #require(diagnosis.host)
        #expect((resources.node?.cpus ?? 0) > 0)
        #expect(resources.runningDomains >= 1)
        #expect(resources.runningVCPUs >= 2, "the sandbox inherits the base's 2 vCPUs")
        #expect(resources.macSharedWith.isEmpty)
        #expect((resources.jobFolderBytes ?? 0) > 0)
        #expect(resources.jobFileSystemFreeBytes != nil)
        #expect(diagnosis.report.contains("MAC unique"), "\(diagnosis.report)")

        // Another domain with the sandbox's MAC (what the original guide's duplicate-MAC step finds).
        let twin = "twin-" + UUID().uuidString.prefix(8).lowercased()
        _ = try await host.connection.define(
            xml: """
                <domain type='test'><name>\(twin)</name><memory unit='KiB'>65536</memory><vcpu>1</vcpu>
                <os><type arch='x86_64'>hvm</type></os><devices>
                <interface type='network'><mac address='\(sandbox.mac)'/><source network='default'/></interface>
                </devices></domain>
                """)
        let collided = try await manager.diagnose(sandbox.name)
        #expect(collided.host?.macSharedWith == [twin])
        #expect(collided.report.contains("MAC ALSO ON \(twin)"), "\(collided.report)")
        try await host.connection.undefine(named: twin)
        try await manager.destroy(sandbox.name)
        await host.cleanUp(bases: [base])
    }
}

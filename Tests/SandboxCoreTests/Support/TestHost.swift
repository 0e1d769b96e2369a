import Foundation

@testable import SandboxCore

/// A `test:///default` connection plus a temp folder holding base disks and job folders.
/// The test driver's state is shared by all connections of the process, so names are unique.
struct TestHost {
    let connection: LibvirtConnection
    let folder: TemporaryFolder
    /// A per-host owner, so tests running in parallel list only their own sandboxes.
    let owner = "test-" + UUID().uuidString.prefix(8).lowercased()
    var jobsRoot: String { folder.file("jobs") }

    static func make() async throws -> TestHost {
        TestHost(connection: try await LibvirtConnection(uri: "test:///default"), folder: try TemporaryFolder())
    }

    func manager(domains: (any DomainManager)? = nil, owner: String? = nil, jobsRoot: String? = nil)
        -> SandboxManager
    {
        SandboxManager(
            domains: domains ?? connection,
            configuration: .init(jobsRoot: jobsRoot ?? self.jobsRoot, owner: owner ?? self.owner))
    }

    /// Defines a shut-off base VM whose disk is a real 16 MiB raw file.
    /// `diskPath` points the base at a disk of the test's making instead (nothing is created there).
    func makeBase(cdrom: String? = nil, diskFormat: String = "raw", diskPath: String? = nil) async throws -> String {
        let name = "base-" + UUID().uuidString.prefix(8).lowercased()
        let disk = diskPath ?? folder.file("\(name).img")
        if diskPath == nil {
            _ = FileManager.default.createFile(atPath: disk, contents: nil)
            truncate(disk, 16 << 20)
        }
        let cd =
            cdrom.map {
                """
                <disk type='file' device='cdrom'><driver name='qemu' type='raw'/><source file='\($0)'/>
                <target dev='sda' bus='scsi'/><readonly/></disk>
                """
            } ?? ""
        let xml = """
            <domain type='test'>
              <name>\(name)</name>
              <memory unit='KiB'>524288</memory>
              <vcpu>2</vcpu>
              <os><type arch='x86_64'>hvm</type><kernel>/boot/vmlinuz</kernel><initrd>/boot/initrd.img</initrd>
                <cmdline>root=/dev/vda console=ttyS0</cmdline></os>
              <devices>
                <disk type='file' device='disk'><driver name='qemu' type='\(diskFormat)'/><source file='\(disk)'/>
                  <target dev='vda' bus='virtio'/></disk>
                \(cd)
                <interface type='network'><mac address='52:54:00:fe:00:01'/><source network='default'/></interface>
              </devices>
            </domain>
            """
        _ = try await connection.define(xml: xml)
        return name
    }

    /// Files left in the jobs root.
    func jobsLeft() -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: jobsRoot)) ?? []
    }

    func cleanUp(bases: [String]) async {
        for base in bases {
            try? await connection.destroy(named: base)
            try? await connection.undefine(named: base)
        }
        await connection.close()
        folder.remove()
    }
}

/// A DomainManager that forwards to a real one and fails or stalls where a test says.
final class FaultyDomainManager: ForwardingDomains, @unchecked Sendable {
    let inner: any DomainManager
    let failDefine: Bool
    let failStart: Bool
    let defineDelay: Duration?
    /// The network filters this manager claims to have.
    let networkFilters: Set<String>
    /// Rewrites the XML that `domainXML` returns (to show the create path a base the test driver
    /// cannot define, e.g. an emulated aarch64 one).
    let rewriteXML: (@Sendable (String) -> String)?
    /// Sees every XML given to `define`, before a `failDefine` failure.
    let defineObserver: (@Sendable (String) -> Void)?
    /// The capabilities XML this manager reports instead of the inner one's (e.g. a DAC model
    /// whose QEMU user is not root, which the test driver never reports).
    let capabilities: String?

    init(
        _ inner: any DomainManager, failDefine: Bool = false, failStart: Bool = false, defineDelay: Duration? = nil,
        networkFilters: Set<String> = [], rewriteXML: (@Sendable (String) -> String)? = nil,
        defineObserver: (@Sendable (String) -> Void)? = nil, capabilities: String? = nil
    ) {
        self.capabilities = capabilities
        self.rewriteXML = rewriteXML
        self.defineObserver = defineObserver
        self.networkFilters = networkFilters
        self.inner = inner
        self.failDefine = failDefine
        self.failStart = failStart
        self.defineDelay = defineDelay
    }

    static let injected = SandboxError(.libvirt, "injected failure")

    func domainXML(named name: String, inactive: Bool, secure: Bool) async throws(SandboxError) -> String {
        let xml = try await inner.domainXML(named: name, inactive: inactive, secure: secure)
        return rewriteXML?(xml) ?? xml
    }
    func define(xml: String) async throws(SandboxError) -> DomainSummary {
        defineObserver?(xml)
        if failDefine { throw Self.injected }
        let summary = try await inner.define(xml: xml)
        if let defineDelay { try? await Task.sleep(for: defineDelay) }
        return summary
    }
    func start(named name: String) async throws(SandboxError) {
        if failStart { throw Self.injected }
        try await inner.start(named: name)
    }
    func networkFilterExists(named name: String) async throws(SandboxError) -> Bool { networkFilters.contains(name) }
    func capabilitiesXML() async throws(SandboxError) -> String {
        if let capabilities { return capabilities }
        return try await inner.capabilitiesXML()
    }
}

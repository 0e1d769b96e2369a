import Foundation
import SandboxCoreTesting
import Testing

@testable import SandboxCore

/// Job folders on a host where QEMU runs as another user (stock `qemu:///system`): who may enter
/// them and who owns what QEMU opens.
@Suite struct JobFolderAccessTests {
    /// The shape of `virsh capabilities` on a stock Debian host (libvirt 9): a `none` model and the
    /// DAC model with QEMU's `+UID:+GID` per domain type.
    static func capabilities(kvm: String = "+64055:+64056", qemu: String = "+64055:+64056") -> String {
        """
        <capabilities>
          <host>
            <uuid>2b0f1c70-8a5e-4e0d-9a7e-4c8f6a1d2e3f</uuid>
            <cpu><arch>x86_64</arch></cpu>
            <secmodel><model>none</model><doi>0</doi></secmodel>
            <secmodel>
              <model>dac</model>
              <doi>0</doi>
              <baselabel type='kvm'>\(kvm)</baselabel>
              <baselabel type='qemu'>\(qemu)</baselabel>
            </secmodel>
          </host>
        </capabilities>
        """
    }

    @Test func theDACLabelOfTheDomainTypeIsQEMUsIdentity() {
        let xml = Self.capabilities(kvm: "+107:+108", qemu: "+64055:+64056")
        #expect(QEMUProcessIdentity.fromCapabilities(xml, virtType: "qemu") == .init(uid: 64055, gid: 64056))
        #expect(QEMUProcessIdentity.fromCapabilities(xml, virtType: "kvm") == .init(uid: 107, gid: 108))
        // A type the host does not label: the model's first label.
        #expect(QEMUProcessIdentity.fromCapabilities(xml, virtType: "xen") == .init(uid: 107, gid: 108))
        #expect(
            QEMUProcessIdentity.fromCapabilities(Self.capabilities(qemu: "+0:+0"), virtType: "qemu")?.isRoot == true)
    }

    @Test(arguments: [
        "<capabilities><host><secmodel><model>none</model></secmodel></host></capabilities>",
        "<capabilities/>", "not xml", "",
        "<capabilities><host><secmodel><model>dac</model><baselabel type='qemu'>qemu:qemu</baselabel></secmodel></host></capabilities>",
        "<capabilities><host><secmodel><model>dac</model><baselabel type='qemu'>+1:+2:+3</baselabel></secmodel></host></capabilities>",
    ])
    func noDACModelOrAnUnreadableLabelIsNoIdentity(xml: String) {
        #expect(QEMUProcessIdentity.fromCapabilities(xml, virtType: "qemu") == nil)
    }

    @Test func rootQEMUKeepsTheFolderPrivateAndAnotherUserGetsGroupPassage() {
        let root = JobFolderAccess.decide(configuredMode: nil, qemu: .init(uid: 0, gid: 0))
        #expect(root == JobFolderAccess(folderMode: 0o700, folderGroup: nil, fileOwner: nil))
        #expect(JobFolderAccess.decide(configuredMode: nil, qemu: nil) == root)
        let stock = JobFolderAccess.decide(configuredMode: nil, qemu: .init(uid: 64055, gid: 64056))
        #expect(
            stock == JobFolderAccess(folderMode: 0o710, folderGroup: 64056, fileOwner: .init(uid: 64055, gid: 64056)))
        #expect(JobFolderAccess.decide(configuredMode: 0o750, qemu: .init(uid: 64055, gid: 64056)).folderMode == 0o750)
    }

    @Test func theJobsRootAndItsMissingParentsAreMade() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let root = folder.file("var/lib/sandboxcore/jobs")
        try SandboxManager.makeJobsRoot(root)
        #expect(try Self.mode(root) == 0o711)
        #expect(try Self.mode(folder.file("var/lib/sandboxcore")) == 0o755)
        try SandboxManager.makeJobsRoot(root)  // again: nothing to do
        _ = FileManager.default.createFile(atPath: folder.file("file"), contents: nil)
        #expect(throws: SandboxError.self) { try SandboxManager.makeJobsRoot(folder.file("file/jobs")) }
    }

    /// A create through a connection whose QEMU runs as `nobody`: the folder is QEMU's group's to
    /// enter, the overlay and seed ISO QEMU's, everything else root's and private.
    @Test(.enabled(if: getuid() == 0, "chown needs root")) func aCreateHandsQEMUWhatItOpensAndNothingElse() async throws
    {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        let domains = FaultyDomainManager(host.connection, capabilities: Self.capabilities(qemu: "+65534:+65533"))
        let manager = host.manager(domains: domains)
        var request = SandboxRequest(baseVM: base)
        request.autoStart = false
        let sandbox = try await manager.create(request)
        let job = host.jobsRoot + "/" + sandbox.name.value
        #expect(try Self.mode(host.jobsRoot) == 0o711)
        #expect(try Self.mode(job) == 0o710)
        #expect(try Self.owner(job) == [0, 65533])
        for file in [SandboxManager.JobFile.overlay, SandboxManager.JobFile.seed] {
            #expect(try Self.owner(job + "/" + file) == [65534, 65533], "\(file)")
            #expect(try Self.mode(job + "/" + file) == 0o600, "\(file)")
        }
        #expect(try Self.owner(job + "/meta-data") == [0, 0])
        #expect(try Self.mode(job + "/meta-data") & 0o077 == 0)
        try await manager.destroy(sandbox.name)
        #expect(host.jobsLeft().isEmpty)
        await host.cleanUp(bases: [base])
    }

    @Test func withoutADACModelTheFolderIsRootsAlone() async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        let manager = host.manager()
        var request = SandboxRequest(baseVM: base)
        request.autoStart = false
        let sandbox = try await manager.create(request)
        #expect(try Self.mode(host.jobsRoot + "/" + sandbox.name.value) == 0o700)
        try await manager.destroy(sandbox.name)
        await host.cleanUp(bases: [base])
    }

    static func mode(_ path: String) throws -> UInt16 {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return (attributes[.posixPermissions] as? NSNumber)?.uint16Value ?? 0xFFFF
    }

    static func owner(_ path: String) throws -> [UInt32] {
        var info = stat()
        guard stat(path, &info) == 0 else { throw SandboxError(.io, "stat \(path)") }
        return [info.st_uid, info.st_gid]
    }
}

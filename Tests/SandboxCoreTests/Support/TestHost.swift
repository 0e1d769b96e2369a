import Foundation
import SandboxCoreTesting

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
        if diskPath == nil { try SparseDisk.create(at: disk) }
        let base = BaseVMDefinition(
            name: name, vcpus: 2, kernelBoot: .placeholder, disk: .file(disk, format: diskFormat), cdrom: cdrom,
            nic: .init(mac: "52:54:00:fe:00:01"))
        _ = try await connection.define(xml: base.xml())
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

// Clones a sandbox from a base VM, lists it and destroys it.
//
//   swift run example-sandbox-lifecycle qemu:///system my-base-vm /var/lib/sandboxcore/jobs
//
// With no arguments it runs against libvirt's in-process test driver with a throwaway base VM.
import Foundation
import SandboxCore

let arguments = Array(CommandLine.arguments.dropFirst())
let uri = arguments.first ?? "test:///default"
let jobs = arguments.count > 2 ? arguments[2] : FileManager.default.temporaryDirectory.path + "/example-jobs"

do {
    let connection = try await LibvirtConnection(uri: uri)
    var base = arguments.count > 1 ? arguments[1] : ""
    if base.isEmpty {
        // A throwaway base VM on the test driver, with a real (sparse) disk file.
        base = "example-base"
        let disk = FileManager.default.temporaryDirectory.path + "/example-base.img"
        _ = FileManager.default.createFile(atPath: disk, contents: nil)
        truncate(disk, 1 << 30)
        _ = try await connection.define(
            xml: """
                <domain type='qemu'><name>\(base)</name><memory unit='MiB'>512</memory><vcpu>1</vcpu>
                <os><type arch='x86_64'>hvm</type></os><devices>
                <disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='\(disk)'/>
                <target dev='vda' bus='virtio'/></disk>
                <interface type='network'><source network='default'/></interface></devices></domain>
                """)
    }
    let manager = SandboxManager(domains: connection, configuration: .init(jobsRoot: jobs))
    let sandbox = try await manager.create(SandboxRequest(baseVM: base))
    print("created \(sandbox.name) (\(sandbox.state)), MAC \(sandbox.mac), files in \(sandbox.jobDirectory)")
    print("sandboxes: \(try await manager.list().map(\.name))")
    try await manager.destroy(sandbox.name)
    print("destroyed \(sandbox.name)")
    if arguments.count < 2 { try await connection.undefine(named: base) }
    await connection.close()
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}

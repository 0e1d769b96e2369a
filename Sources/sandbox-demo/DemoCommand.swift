import ArgumentParser
import Foundation
import SandboxCore

/// The whole flow on libvirt's in-process test driver: no daemon, no image, nothing left behind.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Run the whole flow on test:///default (no daemon needed).")

    @Option(help: "libvirt URI to run the flow on.") var connect = "test:///default"

    func run() async throws {
        let clock = ContinuousClock()
        let started = clock.now
        func say(_ text: String) {
            let elapsed = (clock.now - started).formatted(.units(allowed: [.milliseconds], width: .narrow))
            print("[\(elapsed)] \(text)")
        }
        let folder = FileManager.default.temporaryDirectory.path + "/sandbox-demo-\(getpid())"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }

        let connection = try await LibvirtConnection(uri: connect)
        say("connected to \(connect)")

        // A base VM: shut off, with a (sparse, empty) 1 GiB raw disk.
        let baseName = "demo-base-\(getpid())"
        let baseDisk = folder + "/base.img"
        guard FileManager.default.createFile(atPath: baseDisk, contents: nil), truncate(baseDisk, 1 << 30) == 0 else {
            throw CLIError("cannot create \(baseDisk)", code: .io)
        }
        _ = try await connection.define(xml: Self.baseXML(name: baseName, disk: baseDisk))
        say("defined base VM \(baseName) (shut off, disk \(baseDisk))")

        let manager = SandboxManager(domains: connection, configuration: .init(jobsRoot: folder + "/jobs"))
        do {
            let sandbox = try await manager.create(
                SandboxRequest(baseVM: baseName, waitForIP: true, ipTimeout: .seconds(30), agentID: "demo"),
                progress: ProgressDisplay(toStandardOutput: true).createHandler)
            say("created \(sandbox.name): \(sandbox.state), MAC \(sandbox.mac), IP \(sandbox.ipAddress ?? "none")")
            say("  overlay \(sandbox.overlayPath) (backing \(baseDisk))")
            say("  seed    \(sandbox.seedISOPath) (instance-id \(sandbox.name))")
            say("diagnosis: \(try await manager.diagnose(sandbox.name).verdict)")
            for summary in try await manager.list() {
                say("listed  \(summary.name)\t\(summary.state)\tbase \(summary.baseVM)")
            }
            try await manager.destroy(sandbox.name)
            say(
                "destroyed \(sandbox.name); job folder exists: \(FileManager.default.fileExists(atPath: sandbox.jobDirectory))"
            )
        } catch {
            try? await connection.undefine(named: baseName)
            await connection.close()
            throw error
        }
        try await connection.undefine(named: baseName)
        await connection.close()
        say("removed base VM; done")
    }

    static func baseXML(name: String, disk: String) -> String {
        """
        <domain type='qemu'>
          <name>\(name)</name>
          <memory unit='MiB'>512</memory>
          <vcpu>1</vcpu>
          <os><type arch='x86_64' machine='q35'>hvm</type></os>
          <devices>
            <disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='\(disk)'/>
              <target dev='vda' bus='virtio'/></disk>
            <interface type='network'><source network='default'/><model type='virtio'/></interface>
          </devices>
        </domain>
        """
    }
}

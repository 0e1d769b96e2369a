import ArgumentParser
import Foundation
import SandboxCore
import SandboxCoreTesting

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
        do {
            try SparseDisk.create(at: baseDisk, size: 1 << 30)
        } catch {
            throw CLIError("cannot create \(baseDisk)", code: .io)
        }
        _ = try await connection.define(xml: Self.base(name: baseName, disk: baseDisk).xml())
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

    static func base(name: String, disk: String) -> BaseVMDefinition {
        BaseVMDefinition(
            name: name, type: .qemu, machine: "q35", disk: .file(disk), nic: .init(model: "virtio"))
    }
}

import Foundation
import Testing

@testable import SandboxCore

/// `sandbox-demo create` killed with SIGKILL at each stage of a create, against a real libvirtd:
/// `sandbox-demo reconcile` then leaves exactly nothing (no job folder, no domain). No guest boots:
/// the sandboxes are defined only.
@Suite(.serialized, .e2eEnabled, .e2eWorkspace)
struct CrashSafetyE2ETests {
    static let binary: String? = {
        var url = Bundle.main.bundleURL
        for _ in 0..<3 {
            let candidate = url.appendingPathComponent("sandbox-demo").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            url.deleteLastPathComponent()
        }
        return nil
    }()

    /// Kills per stage.
    static let rounds = 5

    /// The process's state letter from `/proc/PID/stat` (`T` once stopped).
    static func state(of pid: Int32) -> Character? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/stat") else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        guard let close = text.lastIndex(of: ")") else { return nil }
        return text[text.index(after: close)...].split(separator: " ").first?.first
    }

    func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(Self.binary))
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return process
    }

    func reconcile(uri: String, jobs: String) throws -> ReconcileReport {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(Self.binary))
        process.arguments = ["reconcile", "--connect", uri, "--jobs-dir", jobs, "--json"]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return try JSONDecoder().decode(ReconcileReport.self, from: data)
    }

    @Test(.enabled(if: binary != nil)) func createsKilledAtEveryStageLeaveNothingAfterReconcile() async throws {
        let workspace = try #require(E2EWorkspace.current)
        let environment = workspace.environment
        let connection = workspace.connection
        let flavour = try #require(E2EEnvironment.flavours.first)
        let image = try workspace.image(flavour)
        let work = try workspace.folder("crash")
        let jobs = work + "/jobs"

        // A shut-off base with a qcow2 disk; it never boots.
        let baseName = "e2e-crash-base"
        let baseDisk = work + "/base.qcow2"
        try Qcow2Overlay.create(at: baseDisk, backing: try DiskImage.inspect(path: image + "/base.qcow2"))
        try await workspace.define(
            DomainSpec(
                name: try SandboxName(baseName), memoryMiB: 512, vcpus: 1, virtType: .qemu,
                boot: .kernel(path: image + "/vmlinuz", initrd: image + "/initrd.img", cmdline: "root=/dev/vda"),
                disk: .init(path: baseDisk), seedISOPath: nil,
                nic: .init(source: .network(environment.network), mac: MACAddress.random())))

        var kills = 0
        for stage in CreateStage.checkpoints {
            for round in 0..<Self.rounds {
                let name = "crash-\(stage.rawValue)-\(round)"
                let folder = jobs + "/" + name
                let child = try run(
                    [
                        "create", "--connect", environment.uri, "--base", baseName, "--name", name, "--no-start",
                        "--jobs-dir", jobs,
                    ], environment: ["SANDBOX_DEMO_STOP_AT": stage.rawValue])
                let pid = child.processIdentifier
                let stopped = try await poll(timeout: .seconds(60), every: .milliseconds(20)) {
                    Self.state(of: pid) == "T" ? true : nil
                }
                #expect(stopped == true, "\(name): the create did not stop at \(stage)")
                // It stopped where it says: exactly this much is made.
                let fileManager = FileManager.default
                #expect(fileManager.fileExists(atPath: folder + "/.sandboxcore-creating"), "\(name)")
                #expect(fileManager.fileExists(atPath: folder + "/disk.qcow2") == (stage != .jobFolder), "\(name)")
                #expect(
                    fileManager.fileExists(atPath: folder + "/cloud-init.iso")
                        == [CreateStage.seed, .define].contains(stage), "\(name)")
                #expect((try await connection.domain(named: name) != nil) == (stage == .define), "\(name)")

                kill(pid, SIGKILL)
                child.waitUntilExit()
                #expect(child.terminationReason == .uncaughtSignal, "\(name)")
                kills += 1

                let report = try reconcile(uri: environment.uri, jobs: jobs)
                #expect(report.removedJobFolders == [folder], "\(name): \(report)")
                #expect(report.removedDomains == (stage == .define ? [name] : []), "\(name): \(report)")
                #expect(report.failures.isEmpty, "\(name): \(report)")
                #expect(HostSnapshot.listFiles(under: jobs).isEmpty, "\(name): \(HostSnapshot.listFiles(under: jobs))")
                #expect(try await connection.domain(named: name) == nil, "\(name)")
            }
        }
        #expect(kills == CreateStage.checkpoints.count * Self.rounds)
        let cleanTraffic = try await connection.networkFilterExists(named: "clean-traffic")
        await ResultsFile.shared.append(
            E2EResult(
                flavour: flavour, sandbox: "crash-*", kind: "crash-safety",
                note:
                    "\(kills) creates killed with SIGKILL (\(CreateStage.checkpoints.map(\.rawValue).joined(separator: ", "))), reconciled to nothing; "
                    + "clean-traffic filter on the connection: \(cleanTraffic)"))

        // A create that finishes is complete: reconcile keeps it.
        let whole = try run([
            "create", "--connect", environment.uri, "--base", baseName, "--name", "crash-whole", "--no-start",
            "--jobs-dir", jobs,
        ])
        whole.waitUntilExit()
        #expect(whole.terminationStatus == 0)
        let report = try reconcile(uri: environment.uri, jobs: jobs)
        #expect(report.adopted == ["crash-whole"], "\(report)")
        #expect(report.removedNothing, "\(report)")
        let destroy = try run(["destroy", "--connect", environment.uri, "--jobs-dir", jobs, "crash-whole"])
        destroy.waitUntilExit()
        #expect(destroy.terminationStatus == 0)
        #expect(HostSnapshot.listFiles(under: jobs).isEmpty)
    }
}

/// Everything under a folder, relative and sorted.
enum HostSnapshot {
    static func listFiles(under folder: String) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: folder) else { return [] }
        var paths: [String] = []
        while let path = enumerator.nextObject() as? String { paths.append(path) }
        return paths.sorted()
    }
}

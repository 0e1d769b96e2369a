import Foundation
import SandboxCore
import SandboxCoreTesting

/// Host-side create on a real libvirtd — overlay, seed, define and start (QEMU launched; the
/// guest's boot is not waited for) — through SandboxManager, stage by stage, against the same
/// steps forked the original way: `qemu-img create`, `cloud-localds`, `virsh define`,
/// `virsh start`. Each sandbox is destroyed after it is measured.
///
/// The base is a shut-off domain with an empty qcow2 disk on `network`, booting through BIOS
/// (nothing to boot: QEMU runs and the guest idles), made here and removed afterwards.
struct DaemonBenchmarks {
    let fixture: Fixture
    let uri: String
    let network: String

    func run(iterations: Int, forked: Int) async throws -> [BenchRow] {
        let connection = try await LibvirtConnection(uri: uri)
        let baseName = "bench-base-\(getpid())"
        let baseDisk = fixture.folder + "/daemon-base.qcow2"
        try runTool("/usr/bin/qemu-img", ["create", "-q", "-f", "qcow2", baseDisk, "1G"])
        _ = try await connection.define(xml: Self.base(name: baseName, disk: baseDisk, network: network).xml())
        defer { Task { try? await connection.undefine(named: baseName) } }
        let manager = SandboxManager(
            domains: connection,
            configuration: .init(
                jobsRoot: fixture.folder + "/daemon-jobs", owner: "bench", defaultNetwork: .network(network),
                gracefulShutdownTimeout: .zero))

        // Ours, per stage, from the create's progress reports.
        let clock = ContinuousClock()
        var totals: [Duration] = []
        var stages: [CreateStage: [Duration]] = [:]
        for index in 0..<(iterations + 2) {
            let log = StageTimes()
            let start = clock.now
            let sandbox = try await manager.create(
                SandboxRequest(baseVM: baseName, memoryMiB: 128), progress: log.record)
            let total = clock.now - start
            try await manager.destroy(sandbox.name)
            guard index >= 2 else { continue }
            totals.append(total)
            for (stage, duration) in log.durations { stages[stage, default: []].append(duration) }
        }
        await connection.close()

        // Theirs: the same four steps by forking tools.
        let work = fixture.folder + "/daemon-forked"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let files = try CloudInitSeedBuilder().files(for: fixture.seed)
        for file in files.named {
            try Data(file.contents.utf8).write(to: URL(fileURLWithPath: work + "/" + file.name))
        }
        var spec = fixture.spec(name: fixture.name, disk: work + "/overlay.qcow2", seed: work + "/seed.iso")
        spec.boot = .firmware()
        spec.memoryMiB = 128
        spec.nic.source = .network(network)
        spec.serialLogPath = work + "/console.log"
        let xmlPath = work + "/domain.xml"
        try Data(try DomainXMLRenderer().render(spec).utf8).write(to: URL(fileURLWithPath: xmlPath))
        let virsh = ["-q", "-c", uri]
        var forkedStages: [String: [Duration]] = [:]
        var forkedTotals: [Duration] = []
        func timed(_ key: String, _ body: () throws -> Void) rethrows -> Duration {
            let start = clock.now
            try body()
            let elapsed = clock.now - start
            forkedStages[key, default: []].append(elapsed)
            return elapsed
        }
        for index in 0..<(forked + 1) {
            unlink(work + "/overlay.qcow2")
            var total = Duration.zero
            total += try timed("overlay") {
                try runTool(
                    "/usr/bin/qemu-img",
                    ["create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", baseDisk, work + "/overlay.qcow2"])
            }
            total += try timed("seed") {
                try runTool(
                    "/usr/bin/cloud-localds",
                    [
                        "--network-config", work + "/network-config", work + "/seed.iso", work + "/user-data",
                        work + "/meta-data",
                    ])
            }
            total += try timed("define") { try runTool("/usr/bin/virsh", virsh + ["define", xmlPath]) }
            total += try timed("start") { try runTool("/usr/bin/virsh", virsh + ["start", fixture.name.value]) }
            try runTool("/usr/bin/virsh", virsh + ["destroy", fixture.name.value])
            try runTool("/usr/bin/virsh", virsh + ["undefine", fixture.name.value])
            if index == 0 {
                forkedStages = [:]  // warm-up
            } else {
                forkedTotals.append(total)
            }
        }

        func samples(_ label: String, _ durations: [Duration]?) -> Samples? {
            guard let durations, !durations.isEmpty else { return nil }
            return Samples(label: label, durations: durations)
        }
        var rows = [
            BenchRow(
                ours: Samples(label: "create on libvirtd: overlay + seed + define + start", durations: totals),
                baseline: samples("qemu-img + cloud-localds + virsh define + virsh start", forkedTotals))
        ]
        let pairs: [(CreateStage, String, String, String)] = [
            (.overlay, "overlay", "  stage: overlay (job folder + qcow2)", "  qemu-img create"),
            (.seed, "seed", "  stage: seed ISO + files", "  cloud-localds"),
            (.define, "define", "  stage: render + define", "  virsh define"),
            (.start, "start", "  stage: start", "  virsh start"),
        ]
        if let base = samples("  stage: base VM lookup + disk probe", stages[.base]) {
            rows.append(BenchRow(ours: base, baseline: nil))
        }
        for (stage, key, ours, theirs) in pairs {
            guard let mine = samples(ours, stages[stage]) else { continue }
            rows.append(BenchRow(ours: mine, baseline: samples(theirs, forkedStages[key])))
        }
        return rows
    }

    /// A BIOS-booting base with a qcow2 disk on `network`.
    static func base(name: String, disk: String, network: String) -> BaseVMDefinition {
        BaseVMDefinition(
            name: name, type: .qemu, memoryMiB: 128, machine: "q35", disk: .file(disk, format: "qcow2"),
            nic: .init(network: network, model: "virtio"))
    }
}

/// The duration of each stage of one create, from its progress reports.
final class StageTimes: @unchecked Sendable {
    private let lock = NSLock()
    private var last: Duration = .zero
    private var recorded: [CreateStage: Duration] = [:]

    var durations: [CreateStage: Duration] { lock.withLock { recorded } }

    var record: @Sendable (CreateProgress) -> Void {
        { [self] progress in
            guard case .stage(let stage, let elapsed) = progress else { return }
            lock.withLock {
                recorded[stage] = elapsed - last
                last = elapsed
            }
        }
    }
}

import Foundation
import Logging
import SandboxCore
import SandboxCoreTesting

/// Host-side prepare of a sandbox (overlay + seed + define, no start) through SandboxManager on
/// `test:///default`, against the fork pipeline the original system ran: `qemu-img create`,
/// `cloud-localds`, `virsh define`.
struct PrepareBenchmarks {
    let fixture: Fixture

    func run(inProcess: Int, forked: Int) async throws -> [BenchRow] {
        let uri = "test:///default"
        let connection = try await LibvirtConnection(uri: uri)
        let baseName = "bench-base-\(getpid())"
        let base = BaseVMDefinition(
            name: baseName, type: .qemu, memoryMiB: 1024, machine: "q35",
            kernelBoot: .init(kernel: "/images/vmlinuz", commandLine: "root=/dev/vda console=ttyS0"),
            disk: .file(fixture.basePath, format: "qcow2"), nic: .init(model: "virtio"))
        _ = try await connection.define(xml: base.xml())
        var logger = Logger(label: "bench")
        logger.logLevel = ProcessInfo.processInfo.environment["BENCH_DEBUG"] == nil ? .warning : .debug
        let manager = SandboxManager(
            domains: connection, configuration: .init(jobsRoot: fixture.folder + "/jobs"), logger: logger)
        let clock = ContinuousClock()
        var durations: [Duration] = []
        var created: [SandboxName] = []
        for index in 0..<(inProcess + 3) {
            let start = clock.now
            let sandbox = try await manager.create(SandboxRequest(baseVM: baseName, autoStart: false))
            if index >= 3 { durations.append(clock.now - start) }
            created.append(sandbox.name)
        }
        let ours = Samples(label: "prepare: overlay + seed + define (SandboxManager)", durations: durations)
        for name in created { try await manager.destroy(name) }
        try await connection.undefine(named: baseName)
        await connection.close()

        // The same three steps by forking tools, as the original service did.
        let work = fixture.folder + "/forked"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let files = try CloudInitSeedBuilder().files(for: fixture.seed)
        for file in files.named {
            try Data(file.contents.utf8).write(to: URL(fileURLWithPath: work + "/" + file.name))
        }
        let xmlPath = work + "/domain.xml"
        let spec = fixture.spec(name: fixture.name, disk: work + "/overlay.qcow2", seed: work + "/seed.iso")
        let xml = try DomainXMLRenderer().render(spec)
        try Data(xml.utf8).write(to: URL(fileURLWithPath: xmlPath))
        var rows: [BenchRow] = []
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/cloud-localds"),
            FileManager.default.isExecutableFile(atPath: "/usr/bin/virsh")
        else { return [BenchRow(ours: ours, baseline: nil)] }
        let theirs = try measure("qemu-img create + cloud-localds + virsh define", iterations: forked) {
            unlink(work + "/overlay.qcow2")
            try runTool(
                "/usr/bin/qemu-img",
                ["create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", fixture.basePath, work + "/overlay.qcow2"])
            try runTool(
                "/usr/bin/cloud-localds",
                [
                    "--network-config", work + "/network-config", work + "/seed.iso", work + "/user-data",
                    work + "/meta-data",
                ])
            try runTool("/usr/bin/virsh", ["-q", "-c", uri, "define", xmlPath])
        }
        rows.append(BenchRow(ours: ours, baseline: theirs))
        return rows
    }

    /// ``ScaleBenchmarks`` on `uri` (a real libvirtd) when given, else on `test:///default`.
    func scale(count: Int, uri: String?, network: String) async throws -> ScaleBenchmarks.Result {
        let target = uri ?? "test:///default"
        let connection = try await LibvirtConnection(uri: target)
        let baseName = "bench-scale-base-\(getpid())"
        _ = try await connection.define(
            xml: DaemonBenchmarks.base(
                name: baseName, disk: fixture.basePath, network: uri == nil ? "default" : network
            ).xml())
        let manager = SandboxManager(
            domains: connection,
            configuration: .init(
                jobsRoot: fixture.folder + "/scale-jobs", owner: "bench-scale",
                defaultNetwork: .network(uri == nil ? "default" : network)))
        do {
            let result = try await ScaleBenchmarks(manager: manager, baseVM: baseName, uri: target).run(count: count)
            try await connection.undefine(named: baseName)
            await connection.close()
            return result
        } catch {
            try? await connection.undefine(named: baseName)
            await connection.close()
            throw error
        }
    }
}

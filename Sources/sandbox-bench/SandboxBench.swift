import ArgumentParser
import Foundation
import SandboxCore

@main
struct SandboxBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox-bench",
        abstract: "Measures SandboxCore's host-side work side by side with the fork-based tools it replaces.",
        discussion: "Build with -c release. Prints a Markdown table of p50/p90 per call and the speed-up at p50.")

    @Option(help: "Measured iterations per in-process benchmark.") var iterations = 2000
    @Option(help: "Measured iterations per forked-tool benchmark.") var toolIterations = 50
    @Flag(help: "A quick run (few iterations) that only proves the benchmarks still work.") var smoke = false
    @Option(help: "Sandboxes defined at once from one base for the scale figure.") var scale = 200
    @Option(help: "A real libvirtd to also measure create + start on (e.g. the one e2e/libvirtd-netns.sh starts).")
    var uri: String?
    @Option(help: "The libvirt network sandboxes on --uri join (an isolated one).") var network = "sandbox-e2e"
    @Option(help: "Creates measured on --uri.") var daemonIterations = 30

    func run() async throws {
        let inProcess = smoke ? 20 : iterations
        let forked = smoke ? 3 : toolIterations
        let folder = FileManager.default.temporaryDirectory.path + "/sandbox-bench-\(getpid())"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let fixture = try Fixture(folder: folder)

        var rows: [BenchRow] = []
        rows += try SeedBenchmarks(fixture: fixture).run(inProcess: inProcess, forked: forked)
        rows += try XMLBenchmarks(fixture: fixture).run(inProcess: inProcess)
        rows += try OverlayBenchmarks(fixture: fixture).run(inProcess: inProcess, forked: forked)
        rows += try await PrepareBenchmarks(fixture: fixture).run(inProcess: smoke ? 10 : 200, forked: forked)
        if let uri {
            rows += try await DaemonBenchmarks(fixture: fixture, uri: uri, network: network).run(
                iterations: smoke ? 3 : daemonIterations, forked: smoke ? 2 : min(forked, daemonIterations))
        }
        let scaled = try await PrepareBenchmarks(fixture: fixture).scale(
            count: smoke ? 10 : scale, uri: uri, network: network)
        print(
            "Machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, "
                + "\(ProcessInfo.processInfo.physicalMemory >> 30) GiB; \(smoke ? "smoke run" : "full run")\n")
        printTable(rows)
        scaled.printed()
    }
}

/// Inputs shared by the benchmarks: a seed, a base disk, a domain spec.
struct Fixture {
    let folder: String
    let name: SandboxName
    let mac: MACAddress
    let seed: CloudInitSeed
    let basePath: String

    init(folder: String) throws {
        self.folder = folder
        name = try SandboxName("sbx-bench0001")
        mac = try MACAddress(parsing: "52:54:00:12:34:56")
        seed = try CloudInitSeed(sandbox: name, mac: mac)
        basePath = folder + "/base.qcow2"
        try runTool("/usr/bin/qemu-img", ["create", "-q", "-f", "qcow2", basePath, "1G"])
    }

    func spec(name: SandboxName, disk: String, seed: String) -> DomainSpec {
        DomainSpec(
            name: name, uuid: UUID(), memoryMiB: 1024, vcpus: 1, virtType: .qemu,
            boot: .kernel(
                path: "/images/vmlinuz", initrd: "/images/initrd.img", cmdline: "root=/dev/vda console=ttyS0"),
            disk: .init(path: disk), seedISOPath: seed, nic: .init(source: .network("default"), mac: mac),
            serialLogPath: folder + "/console.log")
    }
}

import ArgumentParser
import Foundation
import Logging
import SandboxCore

/// Options every command that talks to libvirt shares.
struct ConnectionOptions: ParsableArguments {
    @Option(help: "libvirt URI, e.g. qemu:///system or qemu:///system?socket=/path/libvirt-sock.")
    var connect: String = "qemu:///system"
    @Option(help: "Folder holding one job folder per sandbox.") var jobsDir: String = defaultJobsDirectory()
    @Flag(help: "Log each stage to stderr.") var verbose = false

    func manager(sources: [DiscoverySource] = DiscoverySource.defaultOrder) async throws -> (
        LibvirtConnection, SandboxManager
    ) {
        // An invalid IP_DISCOVERY_TIMEOUT stops the program before it connects.
        let timeout = try DiscoveryTimeout.fromEnvironment(ProcessInfo.processInfo.environment)
        var logger = Logger(label: "sandbox-demo")
        logger.logLevel = verbose ? .debug : .warning
        let connection = try await LibvirtConnection(uri: connect, logger: logger)
        let jobs = URL(fileURLWithPath: jobsDir).standardizedFileURL.path
        let configuration = SandboxManager.Configuration(
            jobsRoot: jobs, discoveryTimeout: timeout, discoverySources: sources)
        return (connection, SandboxManager(domains: connection, configuration: configuration, logger: logger))
    }
}

extension ConnectionOptions {
    /// Runs `body` with a connection and its manager, and closes the connection before returning,
    /// also when `body` throws. (A close left to an unstructured task raced the process's exit and
    /// now and then corrupted the heap: `malloc_consolidate(): invalid chunk size` on the
    /// connection's thread.)
    func withManager<T>(
        sources: [DiscoverySource] = DiscoverySource.defaultOrder,
        _ body: (LibvirtConnection, SandboxManager) async throws -> T
    ) async throws -> T {
        let (connection, manager) = try await manager(sources: sources)
        do {
            let result = try await body(connection, manager)
            await connection.close()
            return result
        } catch {
            await connection.close()
            throw error
        }
    }
}

func defaultJobsDirectory() -> String {
    if getuid() == 0 { return "/var/lib/sandboxcore/jobs" }
    let data = ProcessInfo.processInfo.environment["XDG_DATA_HOME"] ?? (NSHomeDirectory() + "/.local/share")
    return data + "/sandboxcore/jobs"
}

func printJSON<T: Encodable>(_ value: T) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

struct CreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a sandbox from a base VM.")

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "The base VM (shut off, with cloud-init).") var base: String
    @Option(help: "Sandbox name (default: sbx-<8 hex>).") var name: String?
    @Option(help: "Memory in MiB (default: the base's).") var memoryMib: Int?
    @Option(help: "Virtual CPUs (default: the base's).") var vcpus: Int?
    @Option(help: "Agent id recorded in the sandbox's metadata.") var agentId: String?
    @Option(help: "Seconds until the sandbox may be reaped.") var ttlSeconds: Int?
    @Flag(help: "Define only; do not start.") var noStart = false
    @Flag(help: "Return once started, without waiting for an IP address.") var noWait = false
    @Option(
        help: "How long to wait for the IP (Go duration: 90s, 2m, 1m30s); default scaled from IP_DISCOVERY_TIMEOUT.")
    var timeout: String?
    @Flag(help: "Print the sandbox as JSON.") var json = false
    @Flag(
        inversion: .prefixedNo,
        help: "Show the stages with elapsed time on stderr (default: when stderr is a terminal).")
    var progress: Bool?
    @Flag(help: "Keep the base's kernel command line as it is (no kpti=0 for an emulated aarch64 guest).")
    var noKernelTuning = false
    @OptionGroup(title: "Network and seed") var networking: NetworkOptions

    func run() async throws {
        let sandboxName = try name.map { text in try checked { () throws(SandboxError) in try SandboxName(text) } }
        let ipTimeout = try timeout.map { text in try checked { () throws(SandboxError) in try GoDuration.parse(text) }
        }
        let stopAt = try stopStage()
        var request = SandboxRequest(
            baseVM: base, name: sandboxName, memoryMiB: memoryMib, vcpus: vcpus, autoStart: !noStart,
            waitForIP: !noStart && !noWait, ipTimeout: ipTimeout, agentID: agentId, ttlSeconds: ttlSeconds)
        request.tuneEmulatedKernel = !noKernelTuning
        try networking.apply(to: &request)
        try await connection.withManager { libvirt, manager in
            let display = (progress ?? ProgressDisplay.stderrIsTerminal) ? ProgressDisplay() : nil
            defer { display?.finish() }
            if let stopAt {
                await manager.setCreateStageObserver { stage, _ in
                    if stage == stopAt { _ = raise(SIGSTOP) }
                }
            }
            let sandbox = try await manager.create(request, progress: display?.createHandler)
            display?.finish()
            if json {
                try printJSON(sandbox)
            } else {
                print(
                    "\(sandbox.name)\t\(sandbox.state)\t\(sandbox.mac)\t\(sandbox.ipAddress ?? "-")\t\(sandbox.jobDirectory)"
                )
            }
        }
    }
}

/// `SANDBOX_DEMO_STOP_AT=<stage>` (job-folder, overlay, seed, define) makes `create` stop itself
/// (SIGSTOP) once that stage is done: crash-safety tests then kill it there.
func stopStage() throws -> CreateStage? {
    guard let text = ProcessInfo.processInfo.environment["SANDBOX_DEMO_STOP_AT"] else { return nil }
    guard let stage = CreateStage(rawValue: text), CreateStage.checkpoints.contains(stage) else {
        let known = CreateStage.checkpoints.map(\.rawValue).joined(separator: ", ")
        throw CLIError("SANDBOX_DEMO_STOP_AT=\(text) is not a stage (\(known))")
    }
    return stage
}

struct DestroyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "destroy", abstract: "Stop and remove a sandbox and its files (idempotent).")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The sandbox's name.") var name: String

    func run() async throws {
        let sandboxName = try checked { () throws(SandboxError) in try SandboxName(name) }
        try await connection.withManager { libvirt, manager in
            try await manager.destroy(sandboxName)
            print("destroyed \(sandboxName)")
        }
    }
}

struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the sandboxes SandboxCore owns.")

    @OptionGroup var connection: ConnectionOptions
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        try await connection.withManager { libvirt, manager in
            let sandboxes = try await manager.list()
            if json { return try printJSON(sandboxes) }
            print("NAME\tSTATE\tBASE\tCREATED")
            for sandbox in sandboxes {
                let created = Date(timeIntervalSince1970: TimeInterval(sandbox.createdAt)).ISO8601Format()
                print("\(sandbox.name)\t\(sandbox.state)\t\(sandbox.baseVM)\t\(created)")
            }
        }
    }
}

struct IPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ip", abstract: "Print a sandbox's IP address.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The sandbox's name.") var name: String
    @Flag(help: "Wait until it has one.") var wait = false
    @Option(help: "How long to wait (Go duration); default scaled from IP_DISCOVERY_TIMEOUT.") var timeout: String?
    @Option(help: "Where to look: lease, leases, agent, arp, or any (all, in that order).") var source = "any"
    @Flag(
        inversion: .prefixedNo, help: "Show the wait's progress on stderr (default: when stderr is a terminal).")
    var progress: Bool?

    func run() async throws {
        let sandboxName = try checked { () throws(SandboxError) in try SandboxName(name) }
        let limit = try timeout.map { text in try checked { () throws(SandboxError) in try GoDuration.parse(text) } }
        let sources: [DiscoverySource]
        if source == "any" {
            sources = DiscoverySource.defaultOrder
        } else if let one = DiscoverySource(rawValue: source) {
            sources = [one]
        } else {
            throw CLIError("invalid_argument: --source must be lease, leases, agent, arp or any, not \(source)")
        }
        try await connection.withManager(sources: sources) { libvirt, manager in
            if wait {
                let display = (progress ?? ProgressDisplay.stderrIsTerminal) ? ProgressDisplay() : nil
                let address = try await manager.waitForIP(
                    of: sandboxName, timeout: limit, observer: display?.waitHandler)
                display?.finish()
                print(address.address)
            } else if let address = try await manager.ipAddress(of: sandboxName) {
                print(address.address)
            } else {
                throw CLIError("\(sandboxName) has no IP address yet (try --wait, or 'diagnose')", code: .notFound)
            }
        }
    }
}

struct DiagnoseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diagnose", abstract: "Explain why a sandbox has (or has no) IP address.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The sandbox's name.") var name: String
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let sandboxName = try checked { () throws(SandboxError) in try SandboxName(name) }
        try await connection.withManager { libvirt, manager in
            let diagnosis = try await manager.diagnose(sandboxName)
            if json { return try printJSON(diagnosis) }
            print(diagnosis.report)
        }
    }
}

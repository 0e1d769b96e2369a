import Foundation
import SandboxCore

/// A ``DomainManager`` whose only working call is `agentCommand`, answered like qemu-ga would:
/// `guest-exec` (with the wrappers SandboxCore puts around commands), `guest-exec-status`,
/// `guest-file-open/read/seek/write/close` over an in-memory file system with stdio's sticky
/// EOF, `guest-ping`. Records what it was asked. The other domain calls answer "nothing here".
///
/// The wrappers (`/bin/sh -c SCRIPT sandboxcore-exec …`) are recognised by their exact scripts:
/// the streaming one (output folder, process-group flag, then the command) and the process-group
/// one (the command follows at once). Any other script runs as written.
///
/// An actor: safe to share between the code under test and the test reading what it recorded.
public actor FakeGuestAgent: NetworklessDomains {
    /// How a fake command behaves.
    public struct Program: Sendable {
        public var exitCode: Int
        /// stdout/stderr pieces; in streaming mode one piece of each is appended per status poll.
        public var stdout: [Data]
        public var stderr: [Data]
        /// Status polls before it exits (after its output is out); nil: runs until killed.
        public var pollsBeforeExit: Int?
        public var outTruncated: Bool

        public init(
            exitCode: Int = 0, stdout: [Data] = [], stderr: [Data] = [], pollsBeforeExit: Int? = 0,
            outTruncated: Bool = false
        ) {
            self.exitCode = exitCode
            self.stdout = stdout
            self.stderr = stderr
            self.pollsBeforeExit = pollsBeforeExit
            self.outTruncated = outTruncated
        }
    }

    /// A command the fake was asked to start, with what happened to it since.
    public struct Process: Sendable {
        public var path: String
        public var arguments: [String]
        public var program: Program
        /// The output folder of a streaming run.
        public var streamFolder: String?
        public var polls = 0
        public var killed = false
        public var captured: Bool
    }

    /// A file handle the fake handed out and that is not closed yet.
    public struct OpenFile: Sendable {
        public var path: String
        public var position = 0
        public var eof = false
    }

    /// How the command at `path` with `arguments` behaves.
    public let programFor: @Sendable (_ path: String, _ arguments: [String]) -> Program
    /// Thrown by every agent command while set (the agent is absent / not connected).
    public private(set) var unavailable: SandboxError?
    /// Agent commands that fail with an agent error reply.
    public private(set) var failing: Set<String> = []
    public private(set) var files: [String: Data] = [:]
    public private(set) var processes: [Int: Process] = [:]
    public private(set) var openFiles: [Int: OpenFile] = [:]
    public private(set) var commands: [String] = []
    /// Each command as JSON text.
    public private(set) var requests: [String] = []
    public private(set) var killedPIDs: [Int] = []
    public private(set) var removedFolders: [String] = []
    public private(set) var chmods: [[String]] = []
    private var nextPID = 1000
    private var nextHandle = 1

    public init(programFor: @escaping @Sendable (String, [String]) -> Program = { _, _ in Program() }) {
        self.programFor = programFor
    }

    /// When set, `unavailable` is thrown only for this many more commands.
    public private(set) var failuresLeft: Int?
    public func setUnavailable(_ error: SandboxError?, forCommands count: Int? = nil) {
        unavailable = error
        failuresLeft = count
    }
    public func setFailing(_ commands: Set<String>) { failing = commands }
    public func setFile(_ path: String, _ data: Data) { files[path] = data }
    /// Real (unwrapped) commands started, in order.
    public var started: [Process] { processes.keys.sorted().compactMap { processes[$0] } }
    public var running: [Process] { started.filter { !$0.killed && !exited($0) } }

    // MARK: - agentCommand

    public func agentCommand(named name: String, command: String, timeoutSeconds: Int) throws(SandboxError) -> String {
        if let unavailable, (failuresLeft ?? 1) > 0 {
            failuresLeft = failuresLeft.map { $0 - 1 }
            throw unavailable
        }
        let object = (try? JSONSerialization.jsonObject(with: Data(command.utf8))) as? [String: Any] ?? [:]
        let execute = object["execute"] as? String ?? ""
        let arguments = object["arguments"] as? [String: Any] ?? [:]
        commands.append(execute)
        requests.append(command)
        if failing.contains(execute) { throw SandboxError(.libvirt, "agent error reply for \(execute)") }
        let value: Any
        switch execute {
        case "guest-ping": value = [String: Any]()
        case "guest-exec": value = ["pid": exec(arguments)]
        case "guest-exec-status": value = try status(arguments["pid"] as? Int ?? -1)
        case "guest-file-open": value = try open(arguments)
        case "guest-file-read": value = try read(arguments)
        case "guest-file-seek":
            let handle = arguments["handle"] as? Int ?? -1
            guard openFiles[handle] != nil else { throw Self.reply("invalid handle") }
            openFiles[handle]!.position = arguments["offset"] as? Int ?? 0
            openFiles[handle]!.eof = false
            value = ["position": openFiles[handle]!.position, "eof": false]
        case "guest-file-write": value = try write(arguments)
        case "guest-file-close":
            guard openFiles.removeValue(forKey: arguments["handle"] as? Int ?? -1) != nil else {
                throw Self.reply("invalid handle")
            }
            value = [String: Any]()
        default: throw Self.reply("unknown command \(execute)")
        }
        let data = try! JSONSerialization.data(withJSONObject: ["return": value])
        return String(decoding: data, as: UTF8.self)
    }

    /// An error reply of the agent, as libvirt reports it.
    public static func reply(_ message: String) -> SandboxError {
        SandboxError(
            .libvirt, "agent: \(message)",
            underlying: .init(operation: "virDomainQemuAgentCommand", code: 1, domain: 10, message: message))
    }

    private func exec(_ arguments: [String: Any]) -> Int {
        let path = arguments["path"] as? String ?? ""
        let argv = arguments["arg"] as? [String] ?? []
        let captured = arguments["capture-output"] as? Bool ?? false
        nextPID += 1
        let pid = nextPID
        if argv.count >= 4, argv[0] == "-c", argv[2] == "sandboxcore-kill", let target = Int(argv[3]) {
            processes[target]?.killed = true
            killedPIDs.append(target)
            return pid
        }
        if path == "/bin/rm", let folder = argv.last {
            removedFolders.append(folder)
            files = files.filter { !$0.key.hasPrefix(folder + "/") }
            return pid
        }
        if path == "/bin/chmod" {
            chmods.append(argv)
            processes[pid] = Process(path: path, arguments: argv, program: Program(), captured: captured)
            return pid
        }
        var real = (path, argv)
        var folder: String?
        if argv.count >= 4, argv[0] == "-c", argv[2] == "sandboxcore-exec" {
            if argv[1] == GuestAgentClient.groupScript {
                real = (argv[3], Array(argv.dropFirst(4)))
            } else if argv[1] == GuestAgentClient.streamScript, argv.count >= 6 {
                folder = argv[3]
                real = (argv[5], Array(argv.dropFirst(6)))
                files[argv[3] + "/out"] = Data()
                files[argv[3] + "/err"] = Data()
            }
        }
        processes[pid] = Process(
            path: real.0, arguments: real.1, program: programFor(real.0, real.1), streamFolder: folder,
            captured: captured)
        return pid
    }

    private func exited(_ process: Process) -> Bool {
        if process.killed { return true }
        guard let limit = process.program.pollsBeforeExit else { return false }
        let pieces = max(process.program.stdout.count, process.program.stderr.count)
        return process.polls > (process.streamFolder == nil ? limit : pieces + limit)
    }

    private func status(_ pid: Int) throws(SandboxError) -> [String: Any] {
        guard var process = processes[pid] else { throw Self.reply("pid \(pid) does not exist") }
        if let folder = process.streamFolder, !process.killed {
            if process.polls < process.program.stdout.count {
                files[folder + "/out", default: Data()].append(process.program.stdout[process.polls])
            }
            if process.polls < process.program.stderr.count {
                files[folder + "/err", default: Data()].append(process.program.stderr[process.polls])
            }
        }
        process.polls += 1
        processes[pid] = process
        guard exited(process) else { return ["exited": false] }
        var result: [String: Any] = ["exited": true]
        if process.killed {
            result["signal"] = 9
        } else {
            result["exitcode"] = process.program.exitCode
        }
        if process.captured, process.streamFolder == nil {
            result["out-data"] = process.program.stdout.reduce(Data(), +).base64EncodedString()
            result["err-data"] = process.program.stderr.reduce(Data(), +).base64EncodedString()
            if process.program.outTruncated { result["out-truncated"] = true }
        }
        return result
    }

    private func open(_ arguments: [String: Any]) throws(SandboxError) -> Int {
        let path = arguments["path"] as? String ?? ""
        let mode = arguments["mode"] as? String ?? "r"
        if mode == "w" {
            files[path] = Data()
        } else if files[path] == nil {
            throw Self.reply("Failed to open file '\(path)': No such file or directory")
        }
        nextHandle += 1
        openFiles[nextHandle] = OpenFile(path: path)
        return nextHandle
    }

    private func read(_ arguments: [String: Any]) throws(SandboxError) -> [String: Any] {
        let handle = arguments["handle"] as? Int ?? -1
        guard var file = openFiles[handle] else { throw Self.reply("invalid handle") }
        let count = arguments["count"] as? Int ?? 4096
        let contents = files[file.path] ?? Data()
        var bytes = Data()
        if !file.eof {  // stdio's EOF flag is sticky until a seek
            let end = min(file.position + count, contents.count)
            if file.position < end { bytes = contents.subdata(in: file.position..<end) }
            file.position += bytes.count
            file.eof = bytes.count < count
        }
        openFiles[handle] = file
        return ["count": bytes.count, "buf-b64": bytes.base64EncodedString(), "eof": file.eof]
    }

    private func write(_ arguments: [String: Any]) throws(SandboxError) -> [String: Any] {
        let handle = arguments["handle"] as? Int ?? -1
        guard let file = openFiles[handle] else { throw Self.reply("invalid handle") }
        let bytes = Data(base64Encoded: arguments["buf-b64"] as? String ?? "") ?? Data()
        files[file.path, default: Data()].append(bytes)
        return ["count": bytes.count, "eof": false]
    }

    // MARK: - The rest of DomainManager: nothing here

    public func listDomains() throws(SandboxError) -> [DomainSummary] { [] }
    public func domain(named name: String) throws(SandboxError) -> DomainSummary? { nil }
    public func domainXML(named name: String, inactive: Bool, secure: Bool) throws(SandboxError) -> String {
        throw SandboxError(.notFound, name)
    }
    public func define(xml: String) throws(SandboxError) -> DomainSummary { throw SandboxError(.libvirt, "fake") }
    public func start(named name: String) throws(SandboxError) {}
    public func shutdown(named name: String) throws(SandboxError) {}
    public func destroy(named name: String) throws(SandboxError) {}
    public func undefine(named name: String) throws(SandboxError) {}
    public func state(named name: String) throws(SandboxError) -> DomainState { .running }
    public func interfaceStats(named name: String, device: String) throws(SandboxError) -> InterfaceStats {
        throw SandboxError(.libvirt, "fake")
    }
    public func interfaceAddresses(named name: String, source: AddressSource) throws(SandboxError) -> [InterfaceAddress]
    {
        []
    }
    public func networkDHCPLeases(network: String, mac: String?) throws(SandboxError) -> [NetworkDHCPLease] { [] }
    public func metadata(named name: String, namespaceURI: String) throws(SandboxError) -> String? { nil }
    public func lifecycleEvents() throws(SandboxError) -> AsyncStream<DomainLifecycleEvent> {
        AsyncStream { $0.finish() }
    }
}

import ArgumentParser
import Foundation
import SandboxCore

struct ExecCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec",
        abstract: "Run a command in a sandbox through its guest agent (no network needed).",
        discussion: """
            Prints the command's stdout and stderr and exits with its exit status (128 + signal when a \
            signal ended it; 124 when it ran past --timeout and was killed, or the guest agent of a \
            sandbox still booting did not connect within it). --timeout covers the wait for the agent \
            and the command together; --no-wait-for-agent fails at once instead (agent_unavailable).
              sandbox-demo exec --connect qemu:///system sbx-1234abcd -- uname -a
            """)

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "How long the command may run before it is killed (Go duration: 30s, 5m).") var timeout: String =
        "60s"
    @Flag(help: "Print output while the command runs instead of when it ends.") var stream: Bool = false
    @Flag(
        inversion: .prefixedNo,
        help: "Wait within --timeout for the guest agent of a sandbox that is still booting.")
    var waitForAgent = true
    @Flag(help: "Pass this program's standard input to the command (at most 3 MiB).") var stdin: Bool = false
    @Option(name: .customLong("env"), help: "NAME=value for the command's environment (repeatable).")
    var environment: [String] = []
    @Argument(help: "The sandbox's name.") var name: String
    @Argument(parsing: .postTerminator, help: "The command and its arguments, after --.") var command: [String] = []

    func run() async throws {
        let sandboxName = try checked { () throws(SandboxError) in try SandboxName(name) }
        let limit = try checked { () throws(SandboxError) in try GoDuration.parse(timeout) }
        guard let path = command.first else { throw CLIError("no command given: put it after --") }
        var options = GuestAgentClient.ExecOptions(timeout: limit, waitForAgent: waitForAgent)
        for entry in environment {
            guard let equals = entry.firstIndex(of: "="), equals != entry.startIndex else {
                throw CLIError("--env wants NAME=value, not \(entry)")
            }
            options.environment[String(entry[..<equals])] = String(entry[entry.index(after: equals)...])
        }
        if stdin { options.stdin = FileHandle.standardInput.readDataToEndOfFile() }
        try await connection.withManager { libvirt, manager in
            let arguments = Array(command.dropFirst())
            let result: GuestAgentClient.ExecResult
            switch await Self.execute(manager, sandboxName, path, arguments, options: options, stream: stream) {
            case .success(let value):
                result = value
            case .failure(let error) where error.code == .timeout:
                FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
                throw ExitCode(124)
            case .failure(let error):
                throw error
            }
            if result.shellStatus != 0 { throw ExitCode(Int32(clamping: result.shellStatus)) }
        }
    }

    /// Runs the command, buffered or streamed, printing its output.
    static func execute(
        _ manager: SandboxManager, _ name: SandboxName, _ path: String, _ arguments: [String],
        options: GuestAgentClient.ExecOptions, stream: Bool
    ) async -> Result<GuestAgentClient.ExecResult, SandboxError> {
        do {
            if stream {
                return .success(try await manager.exec(in: name, path, arguments, options: options, onEvent: write))
            }
            let result = try await manager.exec(in: name, path, arguments, options: options)
            FileHandle.standardOutput.write(result.stdoutData)
            FileHandle.standardError.write(result.stderrData)
            return .success(result)
        } catch {
            return .failure(error)
        }
    }

    /// Passes streamed output through to this program's stdout and stderr.
    static func write(_ event: GuestAgentClient.ExecEvent) {
        switch event {
        case .stdout(let data): FileHandle.standardOutput.write(data)
        case .stderr(let data): FileHandle.standardError.write(data)
        case .exit: break
        }
    }
}

struct CopyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cp",
        abstract: "Copy a file into or out of a sandbox through its guest agent.",
        discussion: """
            One side is SANDBOX:/path in the guest, the other a local path or - for stdin/stdout.
              sandbox-demo cp --connect qemu:///system ./script.sh sbx-1234abcd:/tmp/script.sh --mode 755
              sandbox-demo cp --connect qemu:///system sbx-1234abcd:/etc/os-release -
            """)

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "Permission bits (octal) for a file written into the sandbox, e.g. 644 or 755.") var mode: String?
    @Option(help: "The largest file to read from the sandbox, in bytes.") var maxBytes: Int = 67_108_864
    @Argument(help: "Source: a local path, -, or SANDBOX:/path.") var source: String
    @Argument(help: "Destination: a local path, -, or SANDBOX:/path.") var destination: String

    func run() async throws {
        var permissions: Int?
        if let mode {
            guard let bits = Int(mode, radix: 8) else { throw CLIError("--mode wants octal bits such as 644") }
            permissions = bits
        }
        let from: GuestPath? = try GuestPath(parsing: source)
        let to: GuestPath? = try GuestPath(parsing: destination)
        try await connection.withManager { libvirt, manager in
            if let from, to == nil {
                let read: Data? = try await manager.readFile(from.path, in: from.sandbox, maxBytes: maxBytes)
                guard let data = read else {
                    throw CLIError("\(source) does not exist or cannot be read", code: .notFound)
                }
                if destination == "-" {
                    FileHandle.standardOutput.write(data)
                } else {
                    try data.write(to: URL(fileURLWithPath: destination))
                }
            } else if let to, from == nil {
                let data: Data
                if source == "-" {
                    data = FileHandle.standardInput.readDataToEndOfFile()
                } else {
                    data = try Data(contentsOf: URL(fileURLWithPath: source))
                }
                try await manager.writeFile(to.path, in: to.sandbox, contents: data, mode: permissions)
            } else {
                throw CLIError("exactly one of source and destination must be SANDBOX:/path")
            }
        }
    }
}

/// `SANDBOX:/absolute/path` on the command line.
struct GuestPath: Equatable {
    var sandbox: SandboxName
    var path: String

    /// Nil for a local path (no `NAME:` before a `/`).
    init?(parsing text: String) throws {
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let rest = String(text[text.index(after: colon)...])
        guard rest.hasPrefix("/") else { return nil }
        let name = String(text[..<colon])
        sandbox = try checked { () throws(SandboxError) in try SandboxName(name) }
        path = rest
    }
}

import Foundation
import MCP
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

// Shared by SandboxServerTests and SandboxE2ETests (a symbolic link there): Foundation, MCP and
// SystemPackage only.

/// `sandbox-mcp` (or any stdio MCP server) as a child process: stdin and stdout as pipes, which
/// ``transport()`` hands to an MCP client, and stderr to a file in `logFolder`.
final class MCPProcess: @unchecked Sendable {
    let process = Process()
    let toServer = Pipe()
    let fromServer = Pipe()
    let stderrPath: String

    /// Starts `executable` with `environment` plus `PATH` and `HOME`.
    init(executable: String, environment: [String: String], logFolder: String) throws {
        stderrPath = logFolder + "/sandbox-mcp-\(UUID().uuidString.prefix(8)).err"
        var variables = ProcessInfo.processInfo.environment.filter { ["PATH", "HOME"].contains($0.key) }
        variables.merge(environment) { _, new in new }
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        defer { try? err.close() }
        process.executableURL = URL(fileURLWithPath: executable)
        process.environment = variables
        process.standardInput = toServer
        process.standardOutput = fromServer
        process.standardError = err
        try process.run()
    }

    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// The client side of the session: reads the server's stdout, writes its stdin.
    func transport() -> StdioTransport {
        StdioTransport(
            input: FileDescriptor(rawValue: fromServer.fileHandleForReading.fileDescriptor),
            output: FileDescriptor(rawValue: toServer.fileHandleForWriting.fileDescriptor))
    }

    /// A connected client session.
    func session() async throws -> MCPSession {
        let client = Client(name: "sandbox-tests", version: "1")
        _ = try await client.connect(transport: transport())
        return MCPSession(client: client)
    }

    /// Closes the server's stdin (the end of the session) and waits up to `limit` for it to exit.
    func endSession(within limit: Duration = .seconds(30)) async -> Int32? {
        try? toServer.fileHandleForWriting.close()
        return await waitForExit(within: limit)
    }

    /// Waits up to `limit` for the process to exit: its exit status, or nil (then it is killed,
    /// or a signal ended it).
    func waitForExit(within limit: Duration = .seconds(30)) async -> Int32? {
        let deadline = ContinuousClock.now + limit
        while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        guard !process.isRunning else {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        return process.terminationReason == .exit ? process.terminationStatus : nil
    }
}

import ArgumentParser
import Foundation
import SandboxCore

struct PreflightCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preflight",
        abstract: "Check that clones of a base VM can come up, before creating any. Exit 1 when one cannot.")

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The base VM.") var name: String
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let (libvirt, manager) = try await connection.manager()
        defer { Task { await libvirt.close() } }
        let report = try await manager.validateBase(name)
        if json { try printJSON(report) } else { print(report.report) }
        if !report.passed { throw ExitCode(1) }
    }
}

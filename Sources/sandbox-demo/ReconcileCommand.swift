import ArgumentParser
import SandboxCore

struct ReconcileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Remove what killed creates left half-made (job folders, domains, temporary files).")

    @OptionGroup var connection: ConnectionOptions
    @Flag(help: "Print the report as JSON.") var json = false

    func run() async throws {
        try await connection.withManager { libvirt, manager in
            let report = try await manager.reconcile()
            if json { return try printJSON(report) }
            for name in report.removedDomains { print("removed domain\t\(name)") }
            for path in report.removedJobFolders { print("removed job folder\t\(path)") }
            for entry in report.removedDHCPReservations { print("removed DHCP reservation\t\(entry)") }
            for path in report.removedTemporaryFiles { print("removed temporary file\t\(path)") }
            for name in report.adopted { print("kept\t\(name)") }
            for reason in report.skipped { print("skipped\t\(reason)") }
            for failure in report.failures { print("failed\t\(failure)") }
            if report.removedNothing && report.failures.isEmpty { print("nothing to clean up") }
            if !report.failures.isEmpty { throw ExitCode.failure }
        }
    }
}

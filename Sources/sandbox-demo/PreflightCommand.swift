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
    @Flag(
        help:
            "Also boot one throwaway clone: report cloud-init, its datasource and renderer, MAC-bound files, boot time."
    )
    var probe = false
    @Flag(help: "With --probe: do not store the measured boot time in the base's metadata.") var noStore = false
    @Option(help: "With --probe: how long the clone may take to get its address (Go duration).") var timeout: String?

    /// Both reports, for --json.
    struct Output: Encodable {
        var checks: PreflightReport
        var probe: BaseProbeReport?
    }

    func run() async throws {
        let probeTimeout = try timeout.map { text in
            try checked { () throws(SandboxError) in try GoDuration.parse(text) }
        }
        try await connection.withManager { libvirt, manager in
            let report = try await manager.validateBase(name)
            var probed: BaseProbeReport?
            if probe, report.passed {
                probed = try await manager.probeBase(name, timeout: probeTimeout, storeExpectedBootTime: !noStore)
            }
            let findings = report.findings + (probed?.findings ?? [])
            if json {
                try printJSON(Output(checks: report, probe: probed))
            } else {
                print(PreflightReport(base: name, findings: findings, effectiveTimeout: report.effectiveTimeout).report)
            }
            if findings.contains(where: { $0.severity == .error }) { throw ExitCode(1) }
        }
    }
}

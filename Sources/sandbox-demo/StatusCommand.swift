import ArgumentParser
import Foundation
import SandboxCore

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show how far a sandbox has come: booting, agent up, cloud-init running, done or failed.",
        discussion: """
            Prints the stage (not-running, booting, agent-up, cloud-init-running, cloud-init-done, \
            cloud-init-error), the address when known, whether the guest agent answers and cloud-init's \
            datasource and errors. With --wait it waits until the sandbox reaches --until (showing each \
            new stage on stderr) and exits 1 when cloud-init finished with errors, 124 on timeout.
              sandbox-demo status --connect qemu:///system sbx-1234abcd --wait --until agent-up
            """)

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The sandbox's name.") var name: String
    @Flag(help: "Wait until the sandbox reaches --until.") var wait = false
    @Option(help: "The stage to wait for: booting, agent-up, cloud-init-running or cloud-init-done.")
    var until = "cloud-init-done"
    @Option(help: "How long to wait (Go duration).") var timeout = "10m"
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let sandboxName = try checked { () throws(SandboxError) in try SandboxName(name) }
        let limit = try checked { () throws(SandboxError) in try GoDuration.parse(timeout) }
        guard limit > .zero else { throw CLIError("invalid_argument: --timeout must be positive, not \(timeout)") }
        let stages: [SandboxManager.Readiness.Stage] = [.booting, .agentUp, .cloudInitRunning, .cloudInitDone]
        guard let target = SandboxManager.Readiness.Stage(rawValue: until), stages.contains(target) else {
            throw CLIError(
                "invalid_argument: --until must be one of \(stages.map(\.rawValue).joined(separator: ", ")), "
                    + "not \(until)")
        }
        try await connection.withManager { libvirt, manager in
            let readiness: SandboxManager.Readiness
            if wait {
                switch await Self.wait(manager, sandboxName, until: target, timeout: limit, show: !json) {
                case .success(let value):
                    readiness = value
                case .failure(let error) where error.code == .timeout:
                    FileHandle.standardError.write(Data("Error: \(error)\n".utf8))
                    throw ExitCode(124)
                case .failure(let error):
                    throw error
                }
            } else {
                readiness = try await manager.readiness(of: sandboxName)
            }
            if json {
                try printJSON(readiness)
            } else {
                print(Self.report(readiness, name: sandboxName))
            }
            if wait, readiness.stage == .cloudInitError { throw ExitCode(1) }
        }
    }

    /// Waits for `target`, showing each new stage on stderr when it is a terminal and `show`.
    static func wait(
        _ manager: SandboxManager, _ name: SandboxName, until target: SandboxManager.Readiness.Stage,
        timeout: Duration, show: Bool
    ) async -> Result<SandboxManager.Readiness, SandboxError> {
        let terminal = show && ProgressDisplay.stderrIsTerminal
        do {
            return .success(
                try await manager.waitUntilReady(of: name, until: target, timeout: timeout) { now in
                    if terminal { FileHandle.standardError.write(Data("\(name): \(now.stage)\n".utf8)) }
                })
        } catch {
            return .failure(error)
        }
    }

    /// `stage: …` then one line per known fact.
    static func report(_ readiness: SandboxManager.Readiness, name: SandboxName) -> String {
        var lines = ["\(name): \(readiness.stage)"]
        lines.append("  ip: \(readiness.ipAddress ?? "unknown")")
        if readiness.stage != .notRunning {
            lines.append("  guest agent: \(readiness.agentAnswers ? "answers" : "silent")")
        }
        if let cloudInit = readiness.cloudInit {
            lines.append("  cloud-init datasource: \(cloudInit.datasource ?? "unknown")")
            lines += cloudInit.errors.map { "  cloud-init error: \($0)" }
        }
        return lines.joined(separator: "\n")
    }
}

import ArgumentParser
import SandboxCore

@main
struct SandboxDemo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox-demo",
        abstract: "Disposable sandbox VMs on libvirt: seed ISOs, domain XML, and sandbox lifecycle.",
        discussion:
            "Without a subcommand it runs the whole flow on libvirt's in-process test driver (test:///default).",
        subcommands: [
            DemoCommand.self, CreateCommand.self, ListCommand.self, DestroyCommand.self, IPCommand.self,
            DiagnoseCommand.self, StatusCommand.self, ConsoleCommand.self, PreflightCommand.self, ReconcileCommand.self,
            ExecCommand.self, CopyCommand.self,
            SeedCommand.self,
            XMLCommand.self,
        ],
        defaultSubcommand: DemoCommand.self)
}

/// Runs SandboxCore's validation; its error is printed as the single line `Error: <code>: <message>`.
func checked<T>(_ make: () throws(SandboxError) -> T) throws -> T {
    try make()
}

/// A bad-input error of the CLI itself, printed as one line (no usage text), exit code 1:
/// `Error: CODE: message`, the code a ``SandboxError/Code`` raw value as for the library's errors.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ message: String, code: SandboxError.Code = .invalidArgument) {
        description = message.hasPrefix(code.rawValue + ": ") ? message : "\(code.rawValue): \(message)"
    }
}

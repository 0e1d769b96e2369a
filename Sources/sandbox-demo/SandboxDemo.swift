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

/// A bad-input error of the CLI itself, printed as one line (no usage text), exit code 1.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

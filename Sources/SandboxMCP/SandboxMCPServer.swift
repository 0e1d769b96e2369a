import Logging
import MCP
import SandboxServer

/// The MCP server over a ``SandboxToolbox``: `tools/list` answers ``SandboxTool/definitions``,
/// `tools/call` runs them for the toolbox's tenant. Start it on any transport: stdio in
/// `sandbox-mcp`, the stateless HTTP transport in ``MCPRoutes``, an in-memory pair in tests.
public enum SandboxMCPServer {
    public static let name = "sandbox-mcp"
    public static let version = "0.1.0"

    public static func make(_ toolbox: SandboxToolbox) async -> Server {
        let server = Server(
            name: name, version: version, title: "Disposable sandbox VMs",
            instructions: """
                Sandboxes are disposable VMs. Call list_base_vms, then create_sandbox with a source_vm_name; \
                use the returned id with run_command, read_file and write_file; call destroy_sandbox when done.
                """,
            capabilities: .init(tools: .init(listChanged: false)))
        await server.withMethodHandler(ListTools.self) { _ in ListTools.Result(tools: SandboxTool.definitions) }
        let notifier = Notifier(server)
        await server.withMethodHandler(CallTool.self) { parameters in
            try await toolbox.call(parameters) { progress in
                try? await notifier.server?.notify(ProgressNotification.message(progress))
            }
        }
        return server
    }
}

/// The server its own handler notifies through, held weakly: a handler that held it strongly
/// would keep every server (one per HTTP request) alive for ever.
private final class Notifier: @unchecked Sendable {
    // Written once, in init.
    weak var server: Server?

    init(_ server: Server) { self.server = server }
}

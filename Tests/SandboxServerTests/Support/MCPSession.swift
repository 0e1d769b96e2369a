import Foundation
import MCP
import SandboxMCP
import SandboxServer
import Testing

/// An MCP client session with a ``SandboxMCPServer`` for one tenant, in-process over an
/// `InMemoryTransport` pair, and helpers that call a tool and read its JSON answer.
struct MCPSession {
    let client: Client
    /// The in-process server; nil for a session with an executable.
    var server: Server? = nil

    static func open(_ toolbox: SandboxToolbox) async throws -> MCPSession {
        let server = await SandboxMCPServer.make(toolbox)
        let (clientSide, serverSide) = await InMemoryTransport.createConnectedPair()
        try await server.start(transport: serverSide)
        let client = Client(name: "sandbox-tests", version: "1")
        _ = try await client.connect(transport: clientSide)
        return MCPSession(client: client, server: server)
    }

    func close() async {
        await client.disconnect()
        await server?.stop()
    }

    /// Calls `tool` and returns its answer's JSON object and whether it is an error.
    func call(_ tool: String, _ arguments: [String: Value] = [:]) async throws -> MCPAnswer {
        try await MCPAnswer(client.callTool(name: tool, arguments: arguments))
    }
}

/// A tool's answer: the JSON object of its text content, and `isError`.
struct MCPAnswer {
    let object: [String: Any]
    let text: String
    let isError: Bool

    init(_ answer: (content: [Tool.Content], isError: Bool?)) throws {
        var text = ""
        for case .text(let part, _, _) in answer.content { text += part }
        self.text = text
        isError = answer.isError ?? false
        object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }

    subscript(key: String) -> Any? { object[key] }
}

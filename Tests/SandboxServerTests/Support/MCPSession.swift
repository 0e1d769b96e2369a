import Foundation
import MCP

// Shared by SandboxServerTests and SandboxE2ETests (a symbolic link there): Foundation and MCP only.

/// An MCP client session (with an in-process server, or with an executable) and a helper that
/// calls a tool and reads its JSON answer.
struct MCPSession {
    let client: Client
    /// The in-process server; nil for a session with an executable.
    var server: Server? = nil

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

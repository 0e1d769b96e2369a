import MCP

/// The tools `sandbox-mcp` (and `sandbox-server`'s `/mcp`) offers, with the JSON Schema of their
/// arguments. The field names are the `/v1` API's, so an agent that knows one knows the other.
public enum SandboxTool: String, CaseIterable, Sendable {
    case listBaseVMs = "list_base_vms"
    case createSandbox = "create_sandbox"
    case listSandboxes = "list_sandboxes"
    case getSandbox = "get_sandbox"
    case runCommand = "run_command"
    case readFile = "read_file"
    case writeFile = "write_file"
    case destroySandbox = "destroy_sandbox"

    /// Every tool, as `tools/list` answers.
    public static var definitions: [Tool] { allCases.map(\.definition) }

    public var definition: Tool {
        Tool(
            name: rawValue, title: title, description: summary, inputSchema: inputSchema,
            annotations: annotations)
    }

    var title: String {
        switch self {
        case .listBaseVMs: "List base VMs"
        case .createSandbox: "Create a sandbox"
        case .listSandboxes: "List sandboxes"
        case .getSandbox: "Show a sandbox"
        case .runCommand: "Run a command"
        case .readFile: "Read a file"
        case .writeFile: "Write a file"
        case .destroySandbox: "Destroy a sandbox"
        }
    }

    var summary: String {
        switch self {
        case .listBaseVMs:
            "The base VMs a sandbox can be cloned from."
        case .createSandbox:
            "Creates a disposable VM (a linked clone of a base VM with its own cloud-init seed), starts it and, by "
                + "default, waits for its IP address. Returns the sandbox; pass its 'id' to the other tools."
        case .listSandboxes:
            "Your sandboxes, with their state."
        case .getSandbox:
            "One sandbox with its readiness: boot stage, IP address, guest agent, cloud-init result."
        case .runCommand:
            "Runs a shell command (/bin/sh -c) in the sandbox as root, or as 'user', and returns its exit code, "
                + "stdout and stderr. Waits for a booting sandbox within 'timeout_sec'."
        case .readFile:
            "Reads a file of the sandbox (an absolute path, at most 16 MiB): as text when it is UTF-8, else base64."
        case .writeFile:
            "Creates or replaces a file in the sandbox from 'content' (text) or 'content_base64', with an optional "
                + "mode (e.g. 493 for 0755)."
        case .destroySandbox:
            "Stops the sandbox and removes it with its disk and seed."
        }
    }

    var annotations: Tool.Annotations {
        switch self {
        case .listBaseVMs, .listSandboxes, .getSandbox, .readFile:
            Tool.Annotations(readOnlyHint: true)
        case .destroySandbox:
            Tool.Annotations(destructiveHint: true, idempotentHint: true)
        case .createSandbox, .runCommand, .writeFile:
            Tool.Annotations(destructiveHint: false)
        }
    }

    var inputSchema: Value {
        let id: Value = ["type": "string", "description": "The sandbox's id (SBX-…), name or UUID."]
        let timeout: Value = [
            "type": "integer", "minimum": 0,
            "description": "Seconds to wait (for a booting sandbox and the command); default 60.",
        ]
        switch self {
        case .listBaseVMs, .listSandboxes:
            return Self.object([:], required: [])
        case .createSandbox:
            return Self.object(
                [
                    "source_vm_name": ["type": "string", "description": "The base VM to clone (see list_base_vms)."],
                    "vm_name": ["type": "string", "description": "The sandbox's name; default a fresh sbx-… name."],
                    "agent_id": ["type": "string", "description": "A label for who asked; default 'mcp'."],
                    "cpu": ["type": "integer", "minimum": 0, "description": "vCPUs; default the base's."],
                    "memory_mb": [
                        "type": "integer", "minimum": 0, "description": "Memory in MiB; default the base's.",
                    ],
                    "ttl_seconds": [
                        "type": "integer", "minimum": 0, "description": "Destroyed after this long; default never.",
                    ],
                    "auto_start": ["type": "boolean", "description": "Start it; default true."],
                    "wait_for_ip": ["type": "boolean", "description": "Wait for its IP address; default true."],
                ], required: ["source_vm_name"])
        case .getSandbox, .destroySandbox:
            return Self.object(["id": id], required: ["id"])
        case .runCommand:
            return Self.object(
                [
                    "id": id,
                    "command": ["type": "string", "description": "The shell command."],
                    "timeout_sec": timeout,
                    "env": [
                        "type": "object", "additionalProperties": ["type": "string"],
                        "description": "Environment variables.",
                    ],
                    "user": ["type": "string", "description": "The guest user to run as; default root."],
                    "transport": [
                        "type": "string", "enum": ["agent", "ssh"],
                        "description": "How the command reaches the guest: its guest agent (default) or SSH.",
                    ],
                ], required: ["id", "command"])
        case .readFile:
            return Self.object(
                ["id": id, "path": ["type": "string", "description": "An absolute path."], "timeout_sec": timeout],
                required: ["id", "path"])
        case .writeFile:
            return Self.object(
                [
                    "id": id,
                    "path": ["type": "string", "description": "An absolute path."],
                    "content": ["type": "string", "description": "The contents as text."],
                    "content_base64": ["type": "string", "description": "The contents, base64-encoded."],
                    "mode": ["type": "integer", "minimum": 0, "maximum": 4095, "description": "Permission bits."],
                    "timeout_sec": timeout,
                ], required: ["id", "path"])
        }
    }

    private static func object(_ properties: [String: Value], required: [String]) -> Value {
        [
            "type": "object", "properties": .object(properties), "required": .array(required.map { .string($0) }),
            "additionalProperties": false,
        ]
    }
}

import SandboxCore
import SandboxServer

/// What the tools answer, as structured content (and as its JSON text): the `/v1` API's
/// resources, in lists of their own where the API wraps them.
struct BaseVMsOutput: Encodable, Sendable {
    var vms: [VMList.VMInfo]
}

struct SandboxesOutput: Encodable, Sendable {
    var sandboxes: [SandboxResource]
}

struct FileReadOutput: Encodable, Sendable {
    var path: String
    var size: Int
    /// The contents when they are UTF-8 text.
    var content: String?
    /// The contents otherwise.
    var contentBase64: String?

    enum CodingKeys: String, CodingKey {
        case path, size, content
        case contentBase64 = "content_base64"
    }
}

struct FileWrittenOutput: Encodable, Sendable {
    var path: String
    var size: Int
}

struct DestroyedOutput: Encodable, Sendable {
    var id: String
    var sandboxName: String
    var state: String

    enum CodingKeys: String, CodingKey {
        case id, state
        case sandboxName = "sandbox_name"
    }
}

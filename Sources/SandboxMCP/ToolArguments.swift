import Foundation
import MCP
import SandboxServer

/// A `tools/call`'s arguments, decoded into the `/v1` API's own request types (which refuse
/// unknown fields) so that the MCP tools and the HTTP routes check input the same way. A wrong
/// argument is an ``SandboxServer/APIError`` `invalid_argument`.
struct ToolArguments: Sendable {
    var values: [String: Value]

    init(_ values: [String: Value]?) {
        self.values = values ?? [:]
    }

    /// The string argument `name`; missing or not a string is `invalid_argument`.
    func string(_ name: String) throws(APIError) -> String {
        guard let value = values[name] else { throw Self.invalid("missing argument '\(name)'") }
        guard let text = value.stringValue else { throw Self.invalid("'\(name)' must be a string") }
        return text
    }

    /// The arguments but `dropping`, with `defaults` for those absent, as `T`.
    func decode<T: Decodable>(
        _ type: T.Type, dropping: Set<String> = [], defaults: [String: Value] = [:]
    ) throws -> T {
        var object = values.filter { !dropping.contains($0.key) }
        for (key, value) in defaults where object[key] == nil { object[key] = value }
        let data = try JSONEncoder().encode(object)
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            throw Self.invalid(JSONResponse.describe(error).replacingOccurrences(of: "body", with: "arguments"))
        }
    }

    static func invalid(_ message: String) -> APIError {
        APIError(status: .badRequest, code: .invalidArgument, message: message)
    }
}

/// `read_file`'s and `write_file`'s arguments besides `id`.
struct FileArguments: Decodable, Sendable {
    var path: String
    var content: String?
    var contentBase64: String?
    var mode: Int?
    var timeoutSeconds: Int?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case path, content, mode
        case contentBase64 = "content_base64"
        case timeoutSeconds = "timeout_sec"
    }

    init(from decoder: any Decoder) throws {
        try AnyCodingKey.rejectUnknownKeys(in: decoder, known: Set(CodingKeys.allCases.map(\.rawValue)))
        let container = try decoder.container(keyedBy: CodingKeys.self)
        path = try container.decode(String.self, forKey: .path)
        content = try container.decodeIfPresent(String.self, forKey: .content)
        contentBase64 = try container.decodeIfPresent(String.self, forKey: .contentBase64)
        mode = try container.decodeIfPresent(Int.self, forKey: .mode)
        timeoutSeconds = try container.decodeIfPresent(Int.self, forKey: .timeoutSeconds)
    }

    /// The wait for a booting guest's agent: 0…3600 s, default 60.
    func timeout() throws(APIError) -> Duration {
        let seconds = timeoutSeconds ?? RunCommandRequest.defaultTimeoutSeconds
        guard (0...RunCommandRequest.maxTimeoutSeconds).contains(seconds) else {
            throw ToolArguments.invalid("'timeout_sec' must be 0…\(RunCommandRequest.maxTimeoutSeconds)")
        }
        return .seconds(seconds)
    }

    /// What `write_file` writes: exactly one of `content` and `content_base64`.
    func contents() throws(APIError) -> Data {
        switch (content, contentBase64) {
        case (let text?, nil): return Data(text.utf8)
        case (nil, let encoded?):
            guard let data = Data(base64Encoded: encoded) else {
                throw ToolArguments.invalid("'content_base64' is not base64")
            }
            return data
        default: throw ToolArguments.invalid("give exactly one of 'content' and 'content_base64'")
        }
    }
}

import Foundation

/// The body of `PUT /v1/sandboxes/{id}/files`: `{"path": "/abs", "content_base64": "…", "mode": 420}`.
/// `mode` is the file's permission bits as a number (420 = 0o644); `timeout_sec` bounds the wait for
/// a booting guest's agent (default 60, at most the policy's longest run).
struct WriteFileRequest: Codable, Sendable, Hashable {
    var path: String
    var contentBase64: String
    var mode: Int?
    var timeoutSeconds: Int?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case path, mode
        case contentBase64 = "content_base64"
        case timeoutSeconds = "timeout_sec"
    }

    init(from decoder: any Decoder) throws {
        try AnyCodingKey.rejectUnknownKeys(in: decoder, known: Set(CodingKeys.allCases.map(\.rawValue)))
        let container = try decoder.container(keyedBy: CodingKeys.self)
        path = try container.decode(String.self, forKey: .path)
        contentBase64 = try container.decode(String.self, forKey: .contentBase64)
        mode = try container.decodeIfPresent(Int.self, forKey: .mode)
        timeoutSeconds = try container.decodeIfPresent(Int.self, forKey: .timeoutSeconds)
    }

    /// The decoded contents; text that is not base64 is `invalid_argument`.
    func contents() throws(APIError) -> Data {
        guard let data = Data(base64Encoded: contentBase64) else {
            throw .badRequest("'content_base64' is not base64")
        }
        return data
    }
}

/// `GET /v1/sandboxes/{id}/files?path=…`: the file, base64-encoded, and its size in bytes.
struct FileContentResponse: Codable, Sendable, Hashable {
    var path: String
    var size: Int
    var contentBase64: String

    enum CodingKeys: String, CodingKey {
        case path, size
        case contentBase64 = "content_base64"
    }
}

/// `PUT /v1/sandboxes/{id}/files`: what was written.
struct FileWrittenResponse: Codable, Sendable, Hashable {
    var path: String
    var size: Int
}

import Foundation
import Hummingbird

/// JSON bodies in and out, the same way on every route.
package enum JSONResponse {
    /// The largest request body the service reads.
    static let maxRequestBytes = 1 << 20

    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(value)
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Reads and decodes the request's JSON body. Malformed JSON, a missing or wrongly typed field,
    /// an unknown field and an empty body are all ``APIError``s with status 400.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        guard let value = try await decodeIfPresent(type, from: request) else {
            throw APIError.badRequest("the request needs a JSON body")
        }
        return value
    }

    /// Like ``decode(_:from:)``, but an empty body is nil (a route whose body is optional).
    static func decodeIfPresent<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T? {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: maxRequestBytes)
        } catch {
            throw APIError(
                status: .contentTooLarge, code: .invalidArgument,
                message: "the request body is larger than \(maxRequestBytes) bytes")
        }
        guard buffer.readableBytes > 0 else { return nil }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch let error as APIError {
            throw error
        } catch let error as DecodingError {
            throw APIError.badRequest(describe(error))
        } catch {
            throw APIError.badRequest("malformed JSON body")
        }
    }

    package static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            keys.isEmpty ? "body" : "'" + keys.map(\.stringValue).joined(separator: ".") + "'"
        }
        switch error {
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)) must be \(JSONType.name(of: type))"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)) must be \(JSONType.name(of: type)), not null"
        case .keyNotFound(let key, let context):
            return "missing field \(path(context.codingPath + [key]))"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return "malformed JSON body" }
            return "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "malformed JSON body"
        }
    }
}

/// JSON type names for error messages.
enum JSONType {
    static func name(of type: Any.Type) -> String {
        switch type {
        case is Int.Type, is Int64.Type, is Double.Type: "a number"
        case is String.Type: "a string"
        case is Bool.Type: "a boolean"
        default: "an object of the right shape"
        }
    }
}

/// Any key: lets a decoder list the keys a JSON object has, to refuse unknown ones.
package struct AnyCodingKey: CodingKey {
    package var stringValue: String
    package var intValue: Int? { nil }
    package init(stringValue: String) { self.stringValue = stringValue }
    package init?(intValue: Int) { nil }

    /// Throws when `decoder`'s object has a key outside `known`.
    package static func rejectUnknownKeys(in decoder: any Decoder, known: Set<String>) throws {
        let container = try decoder.container(keyedBy: AnyCodingKey.self)
        let unknown = container.allKeys.map(\.stringValue).filter { !known.contains($0) }.sorted()
        if !unknown.isEmpty {
            throw APIError.badRequest(
                "unknown field\(unknown.count == 1 ? "" : "s") \(unknown.map { "'\($0)'" }.joined(separator: ", "))")
        }
    }
}

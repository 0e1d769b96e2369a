import Foundation
import HTTPTypes
import Hummingbird
import Logging
import SandboxCore

/// Gives each request an id (the `X-Request-Id` response header, the `request` field of its log
/// lines) and turns every error a route throws into the API's JSON error body: ``APIError`` as it
/// is, `SandboxError` by its code, Hummingbird's own errors (unknown route, body too large …) by
/// their status, anything else as a 500.
///
/// Error messages never carry host paths: a 5xx answers only what failed, with the request id, and
/// logs the full error under that id; a 4xx message has absolute paths replaced by `<path>`.
package struct ErrorMiddleware: RouterMiddleware {
    package typealias Context = SandboxRequestContext

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        var context = context
        let id = Self.newRequestID()
        context.requestID = id
        context.logger[metadataKey: "request"] = .string(id)
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            var apiError = Self.apiError(for: error, logger: context.logger)
            apiError.requestID = id
            response = try apiError.response(from: request, context: context)
        }
        response.headers[.requestID] = id
        return response
    }

    package static func apiError(for error: any Error, logger: Logger) -> APIError {
        switch error {
        case var error as APIError:
            if error.status.code >= 500 {
                logger.error("request failed", metadata: ["error": "\(error.message)"])
                error.message = Self.serverFailureMessage(error.code)
            } else {
                error.message = Self.redactingPaths(error.message)
            }
            return error
        case let error as SandboxError:
            var apiError = APIError(error)
            if apiError.status.code >= 500 {
                logger.error("request failed", metadata: ["error": "\(error)"])
                apiError.message = Self.serverFailureMessage(error.code)
            } else {
                apiError.message = Self.redactingPaths(error.message)
            }
            return apiError
        case let error as any HTTPResponseError:
            let code: SandboxError.Code =
                switch error.status {
                case .notFound: .notFound
                case .methodNotAllowed, .contentTooLarge, .badRequest, .unsupportedMediaType: .invalidArgument
                default: error.status.code < 500 ? .invalidArgument : .internalError
                }
            let message = error.status == .notFound ? "no such route" : error.status.reasonPhrase
            return APIError(status: error.status, code: code, message: message)
        default:
            logger.error("request failed", metadata: ["error": "\(String(reflecting: error))"])
            return APIError(status: .internalServerError, code: .internalError, message: serverFailureMessage(nil))
        }
    }

    /// What a client learns of a server-side failure.
    static func serverFailureMessage(_ code: SandboxError.Code?) -> String {
        let what = code.map { " (\($0.rawValue))" } ?? ""
        return "the server could not complete the request\(what); its log has the details under the request id"
    }

    /// `message` with every absolute path (a `/` that starts a word and continues with a path
    /// character) replaced by `<path>`; URIs such as `qemu:///system` are kept.
    static func redactingPaths(_ message: String) -> String {
        var result = ""
        var previous: Character = " "
        var index = message.startIndex
        while index < message.endIndex {
            let character = message[index]
            let next = message.index(after: index)
            if character == "/", " '\"(=[".contains(previous), next < message.endIndex,
                isPathCharacter(message[next])
            {
                var end = next
                while end < message.endIndex, isPathCharacter(message[end]) || message[end] == "/" {
                    end = message.index(after: end)
                }
                result += "<path>"
                previous = ">"
                index = end
                continue
            }
            result.append(character)
            previous = character
            index = next
        }
        return result
    }

    private static func isPathCharacter(_ character: Character) -> Bool {
        character.isLetter || character.isNumber || "._-+@~".contains(character)
    }

    private static func newRequestID() -> String {
        var generator = SystemRandomNumberGenerator()
        return String(format: "%016llx", generator.next() as UInt64)
    }
}

extension HTTPField.Name {
    static let requestID = Self("X-Request-Id")!
}

import Hummingbird
import Logging
import SandboxCore

/// Turns every error a route throws into the API's JSON error body: ``APIError`` as it is,
/// `SandboxError` by its code, Hummingbird's own errors (unknown route, body too large …) by their
/// status, anything else as a 500 whose details go to the log only.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        do {
            return try await next(request, context)
        } catch {
            return try Self.apiError(for: error, logger: context.logger).response(from: request, context: context)
        }
    }

    static func apiError(for error: any Error, logger: Logger) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as SandboxError:
            if APIError.status(for: error.code) == .internalServerError {
                logger.error("request failed", metadata: ["error": "\(error)"])
            }
            return APIError(error)
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
            return APIError(status: .internalServerError, code: .internalError, message: "internal error")
        }
    }
}

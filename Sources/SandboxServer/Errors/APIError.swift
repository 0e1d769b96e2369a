import Foundation
import Hummingbird
import SandboxCore

/// An error as the HTTP API reports it: a status and the body
/// `{"error": "<message>", "code": 404, "details": "not_found", "error_code": "not_found",
/// "request_id": "...", "diagnosis": {...}}` (see ``Body``).
///
/// Messages carry no host paths; a 5xx says only what failed and the request id, under which the
/// server's log holds the full detail.
///
/// `code` is one of ``SandboxCore/SandboxError/Code``'s raw values (`invalid_argument`,
/// `not_found`, `name_taken`, `timeout`, `agent_unavailable` …), stable across releases;
/// ``SandboxError/Code/internalError`` for failures that carry no code of their own.
public struct APIError: HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var code: SandboxError.Code
    public var message: String
    /// Why a wait for the guest failed, stage by stage (timeouts and not-running waits).
    public var diagnosis: Diagnosis?
    /// Extra response headers (`WWW-Authenticate`, `Retry-After` …).
    public var headers: HTTPFields = [:]
    /// The request's id, filled in by ``ErrorMiddleware``.
    public var requestID: String?

    public init(status: HTTPResponse.Status, code: SandboxError.Code, message: String, diagnosis: Diagnosis? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.diagnosis = diagnosis
    }

    /// The library's error with the status its code maps to (see ``status(for:)``).
    public init(_ error: SandboxError) {
        self.init(
            status: Self.status(for: error.code), code: error.code, message: error.message, diagnosis: error.diagnosis)
    }

    /// No key, or not a key of this server: 401 `unauthenticated`.
    static func unauthenticated() -> APIError {
        var error = APIError(
            status: .unauthorized, code: .unauthenticated,
            message: "this route needs an API key: 'Authorization: Bearer KEY'")
        error.headers[.wwwAuthenticate] = "Bearer"
        return error
    }

    /// Bad input from the client: 400 `invalid_argument`.
    static func badRequest(_ message: String) -> APIError {
        APIError(status: .badRequest, code: .invalidArgument, message: message)
    }

    /// The HTTP status for each library error code:
    ///
    /// | code | status |
    /// |---|---|
    /// | `invalid_argument` | 400 |
    /// | `not_found` | 404 |
    /// | `name_taken`, `invalid_base`, `not_running`, `agent_unavailable` | 409 |
    /// | `ssh_unavailable` | 409 |
    /// | `host_key_mismatch` (someone else answers at the sandbox's address) | 502 |
    /// | `cancelled` | 503 |
    /// | `timeout` | 504 |
    /// | `too_large` (command output over the limit) | 413 |
    /// | anything else (`libvirt`, `io`, `storage_failed` …) | 500 |
    public static func status(for code: SandboxError.Code) -> HTTPResponse.Status {
        switch code {
        case .invalidArgument: .badRequest
        case .notFound: .notFound
        // A guest without a connected agent is a state of that sandbox, not a failure of the server.
        case .nameTaken, .invalidBase, .notRunning, .agentUnavailable, .sshUnavailable: .conflict
        case .hostKeyMismatch: .badGateway
        case .cancelled: .serviceUnavailable
        case .timeout: .gatewayTimeout
        case .tooLarge: .contentTooLarge
        default: .internalServerError
        }
    }

    /// The body's shape: the original system's `{"error": "<message>", "code": <HTTP status>,
    /// "details": "<code>"}`, then ours: `error_code` (the same code), `request_id` and, for waits
    /// that failed, `diagnosis`.
    public struct Body: Codable, Sendable {
        public var error: String
        public var code: Int
        public var details: String?
        public var errorCode: String
        public var requestID: String?
        public var diagnosis: Diagnosis?

        enum CodingKeys: String, CodingKey {
            case error, code, details, diagnosis
            case errorCode = "error_code"
            case requestID = "request_id"
        }
    }

    public var body: Body {
        Body(
            error: message, code: status.code, details: code.rawValue, errorCode: code.rawValue, requestID: requestID,
            diagnosis: diagnosis)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try JSONResponse.make(body, status: status)
        response.headers.append(contentsOf: headers)
        return response
    }
}

extension SandboxError.Code {
    /// A failure of the HTTP service itself, with no library code (HTTP 500).
    public static let internalError = SandboxError.Code(rawValue: "internal")
    /// The request has no valid API key (HTTP 401).
    public static let unauthenticated = SandboxError.Code(rawValue: "unauthenticated")
    /// The key is valid but may not do this (HTTP 403).
    public static let forbidden = SandboxError.Code(rawValue: "forbidden")
}

import Foundation
import Hummingbird
import SandboxCore

/// An error as the HTTP API reports it: a status and the body
/// `{"error": {"code": "...", "message": "...", "diagnosis": {...}}}`.
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
    /// | `name_taken`, `invalid_base`, `not_running` | 409 |
    /// | `agent_unavailable`, `cancelled` | 503 |
    /// | `timeout` | 504 |
    /// | `too_large` (command output over the limit) | 413 |
    /// | anything else (`libvirt`, `io`, `storage_failed` …) | 500 |
    public static func status(for code: SandboxError.Code) -> HTTPResponse.Status {
        switch code {
        case .invalidArgument: .badRequest
        case .notFound: .notFound
        case .nameTaken, .invalidBase, .notRunning: .conflict
        case .agentUnavailable, .cancelled: .serviceUnavailable
        case .timeout: .gatewayTimeout
        case .tooLarge: .contentTooLarge
        default: .internalServerError
        }
    }

    /// The body's shape.
    public struct Body: Codable, Sendable {
        public struct Detail: Codable, Sendable {
            public var code: String
            public var message: String
            public var diagnosis: Diagnosis?
        }
        public var error: Detail
    }

    public var body: Body { Body(error: .init(code: code.rawValue, message: message, diagnosis: diagnosis)) }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        try JSONResponse.make(body, status: status)
    }
}

extension SandboxError.Code {
    /// A failure of the HTTP service itself, with no library code (HTTP 500).
    public static let internalError = SandboxError.Code(rawValue: "internal")
}

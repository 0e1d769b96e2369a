import Hummingbird
import SandboxCore

extension SandboxError.Code {
    /// The request asks for more than the ``ServerPolicy`` allows, or for something it forbids
    /// (HTTP 400 or 403).
    public static let policyViolation = SandboxError.Code(rawValue: "policy_violation")
    /// The service has as many sandboxes as the policy allows (HTTP 429).
    public static let quotaExceeded = SandboxError.Code(rawValue: "quota_exceeded")
    /// As many creates are in flight as the policy allows; retry after `Retry-After` (HTTP 429).
    public static let tooManyRequests = SandboxError.Code(rawValue: "too_many_requests")
}

extension APIError {
    /// A value above a policy bound, or an option the policy turns off: 400 `policy_violation`.
    static func policyViolation(_ message: String) -> APIError {
        APIError(status: .badRequest, code: .policyViolation, message: message)
    }

    /// A base VM or network the policy does not allow: 403 `policy_violation`.
    static func policyForbidden(_ message: String) -> APIError {
        APIError(status: .forbidden, code: .policyViolation, message: message)
    }

    /// The sandbox quota is full: 429 `quota_exceeded` (no `Retry-After`: it frees up only when a
    /// sandbox is deleted or expires).
    static func quotaExceeded(_ message: String) -> APIError {
        APIError(status: .tooManyRequests, code: .quotaExceeded, message: message)
    }

    /// Too many creates in flight: 429 `too_many_requests` with `Retry-After`.
    static func tooManyCreates(limit: Int) -> APIError {
        var error = APIError(
            status: .tooManyRequests, code: .tooManyRequests,
            message: "\(limit) sandbox creates are already in flight; retry later")
        error.headers[.retryAfter] = String(ServerPolicy.retryAfterSeconds)
        return error
    }

    /// A request body over the policy's limit: 413 `too_large`.
    static func bodyTooLarge(limit: Int) -> APIError {
        APIError(
            status: .contentTooLarge, code: .tooLarge, message: "the request body is larger than \(limit) bytes")
    }
}

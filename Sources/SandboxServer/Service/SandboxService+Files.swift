import Foundation
import SandboxCore

extension SandboxService {
    /// The largest file ``readFile(_:in:timeout:)`` returns and ``writeFile(_:contents:mode:in:timeout:)``
    /// takes: 16 MiB (the HTTP body limit and the MCP message size are below the library's own).
    public static let maxFileBytes = 16 << 20
    /// The longest guest path accepted (Linux's PATH_MAX).
    public static let maxPathBytes = 4096

    /// Reads file `path` (absolute) from the sandbox through its guest agent, waiting for an agent
    /// still connecting within `timeout`. 404 `not_found` when the guest cannot open it, 413
    /// `too_large` above ``maxFileBytes``.
    public func readFile(_ path: String, in summary: SandboxSummary, timeout: Duration = .seconds(60)) async throws
        -> Data
    {
        let checked = try Self.validatedPath(path)
        let name = try SandboxName(summary.name)
        do throws(SandboxError) {
            try await manager.waitForAgent(of: name, timeout: boundedAgentWait(timeout))
            guard let data = try await manager.readFile(checked, in: name, maxBytes: Self.maxFileBytes) else {
                throw SandboxError(.notFound, "the guest cannot open \(Self.shown(checked))")
            }
            return data
        } catch {
            throw APIError(error)
        }
    }

    /// Writes (creates or replaces) file `path` (absolute) in the sandbox, then sets `mode` (0…0o7777)
    /// when given. A missing folder or a read-only file system is the guest agent's error.
    public func writeFile(
        _ path: String, contents: Data, mode: Int? = nil, in summary: SandboxSummary,
        timeout: Duration = .seconds(60)
    ) async throws {
        let checked = try Self.validatedPath(path)
        guard contents.count <= Self.maxFileBytes else {
            throw APIError(
                status: .contentTooLarge, code: .tooLarge,
                message: "a file may hold at most \(Self.maxFileBytes) bytes, not \(contents.count)")
        }
        if let mode, !(0...0o7777).contains(mode) {
            throw APIError.badRequest("'mode' must be between 0 and 0o7777 (4095), not \(mode)")
        }
        let name = try SandboxName(summary.name)
        do throws(SandboxError) {
            try await manager.waitForAgent(of: name, timeout: boundedAgentWait(timeout))
            try await manager.writeFile(checked, in: name, contents: contents, mode: mode)
        } catch {
            throw APIError(error)
        }
    }

    /// `path` when it is absolute, holds no NUL and is at most ``maxPathBytes`` long.
    static func validatedPath(_ path: String) throws(APIError) -> String {
        guard path.hasPrefix("/") else { throw .badRequest("'path' must be absolute, not '\(shown(path))'") }
        guard !path.utf8.contains(0) else { throw .badRequest("'path' must not contain NUL") }
        guard path.utf8.count <= maxPathBytes else {
            throw .badRequest("'path' may be at most \(maxPathBytes) bytes long")
        }
        return path
    }

    /// The wait for the agent, at most the policy's longest run.
    private func boundedAgentWait(_ timeout: Duration) -> Duration {
        min(max(timeout, .zero), .seconds(policy.maxRunTimeoutSeconds))
    }

    private static func shown(_ path: String) -> String {
        path.count > 128 ? String(path.prefix(128)) + "…" : path
    }
}

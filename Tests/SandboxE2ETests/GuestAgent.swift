import Foundation

@testable import SandboxCore

/// Just enough of the qemu-guest-agent protocol for the end-to-end checks.
struct GuestAgent {
    let domains: any DomainManager
    let domain: String

    func call(_ command: String, _ arguments: [String: Any] = [:], timeout: Int = 10) async throws -> Any? {
        var request: [String: Any] = ["execute": command]
        if !arguments.isEmpty { request["arguments"] = arguments }
        let text = String(decoding: try JSONSerialization.data(withJSONObject: request), as: UTF8.self)
        let reply = try await domains.agentCommand(named: domain, command: text, timeoutSeconds: timeout)
        let object = try JSONSerialization.jsonObject(with: Data(reply.utf8)) as? [String: Any]
        return object?["return"]
    }

    func ping() async -> Bool { (try? await call("guest-ping", timeout: 2)) != nil }

    func hostname() async throws -> String? {
        (try await call("guest-get-host-name") as? [String: Any])?["host-name"] as? String
    }

    /// The file's contents, or nil when it does not exist (yet).
    func readFile(_ path: String) async throws -> String? {
        guard let handle = try? await call("guest-file-open", ["path": path, "mode": "r"]) as? Int else { return nil }
        var data = Data()
        while true {
            guard let chunk = try await call("guest-file-read", ["handle": handle, "count": 65536]) as? [String: Any],
                let base64 = chunk["buf-b64"] as? String, let bytes = Data(base64Encoded: base64)
            else { break }
            data.append(bytes)
            if (chunk["eof"] as? Bool) == true || bytes.isEmpty { break }
        }
        _ = try? await call("guest-file-close", ["handle": handle])
        return String(decoding: data, as: UTF8.self)
    }

    /// Polls until `body` returns a value or `timeout` passes.
    static func poll<T: Sendable>(
        timeout: Duration, every interval: Duration = .milliseconds(500), _ body: () async throws -> T?
    ) async throws -> T? {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            if let value = try await body() { return value }
            try await Task.sleep(for: interval)
        }
        return nil
    }
}

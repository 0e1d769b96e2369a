import Foundation

/// Talks to a domain's qemu-guest-agent through libvirt (`virDomainQemuAgentCommand`): runs
/// commands, reads files, asks the host name. Works without the guest's network.
///
/// A value type over a ``DomainManager``; safe to share.
public struct GuestAgentClient: Sendable {
    public let domains: any DomainManager
    public let domain: String

    public init(domains: any DomainManager, domain: String) {
        self.domains = domains
        self.domain = domain
    }

    /// The result of a command run in the guest.
    public struct ExecResult: Sendable, Hashable, Codable {
        public var exitCode: Int?
        /// The signal that ended the process, if one did.
        public var signal: Int?
        public var stdout: String
        public var stderr: String
        /// The guest agent cut the output at its own limit.
        public var truncated: Bool
    }

    /// Sends one agent command (`{"execute": …, "arguments": …}`) and returns its `return` value.
    public func call(_ command: String, arguments: [String: any Sendable] = [:], timeoutSeconds: Int = 10)
        async throws(SandboxError) -> Any?
    {
        var request: [String: Any] = ["execute": command]
        if !arguments.isEmpty { request["arguments"] = arguments }
        let text: String
        do {
            text = String(decoding: try JSONSerialization.data(withJSONObject: request), as: UTF8.self)
        } catch {
            throw .invalid("agent command \(command) has arguments JSON cannot encode")
        }
        let reply = try await domains.agentCommand(named: domain, command: text, timeoutSeconds: timeoutSeconds)
        guard let object = (try? JSONSerialization.jsonObject(with: Data(reply.utf8))) as? [String: Any] else {
            throw SandboxError(
                .agentUnavailable, "the guest agent of \(domain) answered \(command) with no JSON object")
        }
        return object["return"]
    }

    /// Whether the agent answers `guest-ping` within `timeoutSeconds`.
    public func ping(timeoutSeconds: Int = 2) async -> Bool {
        (try? await call("guest-ping", timeoutSeconds: timeoutSeconds)) != nil
    }

    /// The guest's host name.
    public func hostname() async throws(SandboxError) -> String? {
        (try await call("guest-get-host-name") as? [String: Any])?["host-name"] as? String
    }

    /// Runs `path` with `arguments` in the guest and waits for it to end, up to `timeout`. The
    /// process is left running (the agent cannot kill it) when the time runs out: `.timeout`.
    public func exec(
        _ path: String, _ arguments: [String] = [], stdin: String? = nil, environment: [String] = [],
        timeout: Duration = .seconds(60)
    ) async throws(SandboxError) -> ExecResult {
        var request: [String: any Sendable] = ["path": path, "arg": arguments, "capture-output": true]
        if !environment.isEmpty { request["env"] = environment }
        if let stdin { request["input-data"] = Data(stdin.utf8).base64EncodedString() }
        guard let started = try await call("guest-exec", arguments: request) as? [String: Any],
            let pid = started["pid"] as? Int
        else { throw SandboxError(.agentUnavailable, "guest-exec in \(domain) returned no pid") }
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var delay = Duration.milliseconds(20)
        while true {
            let status = try await call("guest-exec-status", arguments: ["pid": pid]) as? [String: Any] ?? [:]
            if (status["exited"] as? Bool) == true {
                return ExecResult(
                    exitCode: status["exitcode"] as? Int, signal: status["signal"] as? Int,
                    stdout: Self.decode(status["out-data"]), stderr: Self.decode(status["err-data"]),
                    truncated: (status["out-truncated"] as? Bool) == true || (status["err-truncated"] as? Bool) == true)
            }
            guard clock.now < deadline else {
                throw SandboxError(.timeout, "\(path) in \(domain) did not finish within \(timeout) (guest pid \(pid))")
            }
            do {
                try await Task.sleep(for: delay)
            } catch {
                throw SandboxError(.cancelled, "waiting for \(path) in \(domain) was cancelled")
            }
            delay = min(delay * 2, .milliseconds(500))
        }
    }

    private static func decode(_ value: Any?) -> String {
        guard let text = value as? String, let data = Data(base64Encoded: text) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }
}

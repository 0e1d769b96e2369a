import Foundation

/// Talks to a domain's qemu-guest-agent through libvirt (`virDomainQemuAgentCommand`): runs
/// commands (``exec(_:_:options:)``, ``run(_:options:)``, ``stream(_:_:options:)``), moves files
/// (``readFile(_:maxBytes:)``, ``writeFile(_:contents:mode:)``), asks the host name and cloud-init's
/// result. Works without the guest's network.
///
/// A value type over a ``DomainManager`` that owns nothing: safe to share and to use from many
/// tasks at once (the agent serialises the commands; libvirt allows one at a time per domain).
public struct GuestAgentClient: Sendable {
    public let domains: any GuestChannel
    public let domain: String

    public init(domains: any GuestChannel, domain: String) {
        self.domains = domains
        self.domain = domain
    }

    /// Sends one agent command (`{"execute": …, "arguments": …}`) and returns its `return` value.
    ///
    /// An agent that is missing from the domain, not connected yet, or a domain that is not
    /// running is `.agentUnavailable` with a message saying which (see ``AgentAvailability``); an
    /// error reply of the agent (a missing file, a bad argument) is `.libvirt`.
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
        let reply: String
        do {
            reply = try await domains.agentCommand(named: domain, command: text, timeoutSeconds: timeoutSeconds)
        } catch {
            throw AgentAvailability.explain(error, domain: domain, command: command)
        }
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

    /// Waits until the agent answers `guest-ping`, polling every `interval`.
    ///
    /// Fails at once, without waiting, when the domain has no agent channel or is not running
    /// (`.agentUnavailable`, see ``AgentAvailability``); `.timeout` when the agent stays silent
    /// for `timeout`; `.cancelled` when the task is cancelled.
    public func waitForAgent(timeout: Duration = .seconds(120), interval: Duration = .milliseconds(500))
        async throws(SandboxError)
    {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var last: SandboxError?
        while true {
            do {
                _ = try await call("guest-ping", timeoutSeconds: 2)
                return
            } catch {
                switch AgentAvailability(error) {
                case .notConfigured, .notRunning, .unsupported: throw error
                case .notConnected, .none: last = error
                }
            }
            guard clock.now < deadline else {
                throw SandboxError(
                    .timeout, "the guest agent of \(domain) did not answer within \(timeout)",
                    underlying: last?.underlying)
            }
            try await pause(for: min(interval, deadline - clock.now), "waiting for the guest agent of \(domain)")
        }
    }

    /// The guest's host name.
    public func hostname() async throws(SandboxError) -> String? {
        (try await call("guest-get-host-name") as? [String: Any])?["host-name"] as? String
    }

    /// cloud-init's own account of the boot, read from `/run/cloud-init`: nil while it has not
    /// finished (no `result.json` yet).
    public func cloudInitResult() async throws(SandboxError) -> CloudInitResult? {
        guard let data = try await readFile("/run/cloud-init/result.json", maxBytes: 1 << 20),
            let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
            let v1 = object["v1"] as? [String: Any]
        else { return nil }
        let errors = (v1["errors"] as? [Any] ?? []).map { "\($0)" }
        return CloudInitResult(datasource: v1["datasource"] as? String, errors: errors)
    }

    /// Sleeps, turning cancellation into `.cancelled`.
    func pause(for duration: Duration, _ what: @autoclosure () -> String) async throws(SandboxError) {
        do {
            try await Task.sleep(for: max(duration, .zero))
        } catch {
            throw SandboxError(.cancelled, "\(what()) was cancelled")
        }
    }

    /// Decodes an agent's base64 field; empty when absent.
    static func base64(_ value: Any?) -> Data {
        guard let text = value as? String, let data = Data(base64Encoded: text) else { return Data() }
        return data
    }
}

/// What cloud-init reported when it finished (`/run/cloud-init/result.json`).
public struct CloudInitResult: Sendable, Hashable, Codable {
    /// The datasource it used, e.g. `DataSourceNoCloud [seed=/dev/sr0]`.
    public var datasource: String?
    /// Its errors; empty when it succeeded.
    public var errors: [String]
    public var succeeded: Bool { errors.isEmpty }
}

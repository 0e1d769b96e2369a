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

    /// Reads a file from the guest in 48 KiB chunks, at most `maxBytes`. Nil when it does not exist.
    public func readFile(_ path: String, maxBytes: Int = 16 << 20) async throws(SandboxError) -> Data? {
        let handle: Int
        do {
            guard let opened = try await call("guest-file-open", arguments: ["path": path, "mode": "r"]) as? Int else {
                return nil
            }
            handle = opened
        } catch  where error.code == .libvirt {
            return nil  // the agent reports a missing file as a command error
        }
        var data = Data()
        do {
            while data.count <= maxBytes {
                guard
                    let chunk = try await call("guest-file-read", arguments: ["handle": handle, "count": 49152])
                        as? [String: Any],
                    let text = chunk["buf-b64"] as? String, let bytes = Data(base64Encoded: text)
                else { break }
                data.append(bytes)
                if (chunk["eof"] as? Bool) == true || bytes.isEmpty { break }
            }
        } catch {
            _ = try? await call("guest-file-close", arguments: ["handle": handle])
            throw error
        }
        _ = try? await call("guest-file-close", arguments: ["handle": handle])
        guard data.count <= maxBytes else { throw .invalid("\(path) in \(domain) is larger than \(maxBytes) bytes") }
        return data
    }

    /// Writes (replaces) a file in the guest in 48 KiB chunks.
    public func writeFile(_ path: String, contents: Data) async throws(SandboxError) {
        guard let handle = try await call("guest-file-open", arguments: ["path": path, "mode": "w"]) as? Int else {
            throw SandboxError(.agentUnavailable, "guest-file-open of \(path) in \(domain) returned no handle")
        }
        do {
            var offset = 0
            repeat {
                let end = min(offset + 49152, contents.count)
                let chunk = contents.subdata(in: offset..<end).base64EncodedString()
                _ = try await call("guest-file-write", arguments: ["handle": handle, "buf-b64": chunk])
                offset = end
            } while offset < contents.count
        } catch {
            _ = try? await call("guest-file-close", arguments: ["handle": handle])
            throw error
        }
        _ = try await call("guest-file-close", arguments: ["handle": handle])
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

    private static func decode(_ value: Any?) -> String {
        guard let text = value as? String, let data = Data(base64Encoded: text) else { return "" }
        return String(decoding: data, as: UTF8.self)
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

import Foundation
import Hummingbird
import HummingbirdTesting
import SandboxCore
import SandboxCoreTesting
import SandboxServer
import Synchronization
import Testing

/// `run` waits for a booting guest's agent; `GET /v1/sandboxes/{id}` carries the readiness.
@Suite struct ReadinessRoutesTests {
    @Test func runWaitsForAnAgentThatConnectsLate() async throws {
        try await ServerTestHost.with { host in
            let agent = ScriptedAgentDomains(host.connection, silentCalls: 3)
            try await host.application(domains: agent).test(.router) { client in
                let created = try await client.send(
                    .post, "/v1/sandboxes",
                    json: #"{"agent_id": "t", "auto_start": true, "source_vm_name": "\#(host.base)"}"#
                ).sandbox()
                let response = try await client.send(
                    .post, "/v1/sandboxes/\(created.id)/run", json: #"{"command": "uname", "timeout_sec": 600}"#)
                #expect(response.status == .ok, "\(response.text)")
                #expect(try response.decode(RunCommandResponse.self).command.stdout == "Linux\n")
                #expect(agent.executed == ["guest-ping", "guest-exec", "guest-exec-status"])
            }
        }
    }

    @Test func runOnAnAgentThatNeverConnectsIs504() async throws {
        try await ServerTestHost.with { host in
            let agent = ScriptedAgentDomains(host.connection, silentCalls: .max)
            try await host.application(domains: agent).test(.router) { client in
                let created = try await client.send(
                    .post, "/v1/sandboxes",
                    json: #"{"agent_id": "t", "auto_start": true, "source_vm_name": "\#(host.base)"}"#
                ).sandbox()
                let response = try await client.send(
                    .post, "/v1/sandboxes/\(created.id)/run", json: #"{"command": "uname", "timeout_sec": 1}"#)
                #expect(response.status == .gatewayTimeout, "\(response.text)")
                #expect(response.apiError?.code == "timeout")
                #expect(agent.executed.isEmpty)
            }
        }
    }

    /// The test driver has no agent: a running sandbox is `booting`, a stopped one `not-running`;
    /// the list carries no readiness.
    @Test func getShowsTheReadinessAndListDoesNot() async throws {
        try await ServerTestHost.with { host in
            try await host.application().test(.router) { client in
                let created = try await client.send(
                    .post, "/v1/sandboxes",
                    json: #"{"agent_id": "t", "auto_start": true, "source_vm_name": "\#(host.base)"}"#
                ).sandbox()
                #expect(created.readiness == nil)
                let shown = try await client.send(.get, "/v1/sandboxes/\(created.id)")
                #expect(shown.status == .ok)
                let readiness = try #require(try shown.sandbox().readiness)
                #expect(readiness.stage == "booting")
                #expect(readiness.agent == false)
                #expect(readiness.cloudInit == nil)
                #expect(shown.text.contains(#""readiness":{"#))

                let list = try await client.send(.get, "/v1/sandboxes")
                #expect(!list.text.contains("readiness"), "\(list.text)")

                try await host.connection.destroy(named: created.sandboxName)
                let stopped = try await client.send(.get, "/v1/sandboxes/\(created.id)").sandbox()
                #expect(stopped.readiness?.stage == "not-running")
                #expect(stopped.ipAddress == nil)
            }
        }
    }
}

/// A `test:///default` connection with a scripted guest agent: "not connected" for the first
/// `silentCalls` agent commands, then `guest-ping`, `guest-exec` and an exited `guest-exec-status`
/// printing `Linux`.
final class ScriptedAgentDomains: ForwardingDomains, Sendable {
    let inner: any DomainManager
    private let silentLeft: Mutex<Int>
    private let log = Mutex<[String]>([])
    /// Agent commands answered, in order.
    var executed: [String] { log.withLock { $0 } }

    init(_ inner: any DomainManager, silentCalls: Int) {
        self.inner = inner
        self.silentLeft = Mutex(silentCalls)
    }

    static let notConnected = SandboxError(
        .agentUnavailable, "could not run a guest agent command",
        underlying: .init(
            operation: "virDomainQemuAgentCommand", code: 86, domain: 10,
            message: "Guest agent is not responding: QEMU guest agent is not connected"))

    func agentCommand(named name: String, command: String, timeoutSeconds: Int) async throws(SandboxError) -> String {
        let silent = silentLeft.withLock { left in
            guard left > 0 else { return false }
            left -= 1
            return true
        }
        if silent { throw Self.notConnected }
        let object = (try? JSONSerialization.jsonObject(with: Data(command.utf8))) as? [String: Any]
        let execute = object?["execute"] as? String ?? ""
        log.withLock { $0.append(execute) }
        switch execute {
        case "guest-exec": return #"{"return": {"pid": 42}}"#
        case "guest-exec-status":
            let output = Data("Linux\n".utf8).base64EncodedString()
            return #"{"return": {"exited": true, "exitcode": 0, "out-data": "\#(output)"}}"#
        default: return #"{"return": {}}"#
        }
    }

}

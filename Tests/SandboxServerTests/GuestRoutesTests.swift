import Foundation
import HummingbirdTesting
import SandboxCore
import SandboxServer
import Testing

/// Addresses, diagnosis and commands: the routes that reach into the guest.
@Suite struct GuestRoutesTests {
    @Test func ipNowAndAfterWaiting() async throws {
        try await ServerTestHost.with { host in
            try await host.application().test(.router) { client in
                let created = try await client.send(
                    .post, "/v1/sandboxes",
                    json:
                        #"{"agent_id": "t", "auto_start": true, "source_vm_name": "\#(host.base)", "wait_for_ip": true}"#
                )
                #expect(created.status == .created, "\(created.text)")
                let sandbox = try created.sandbox()
                let address = try #require(sandbox.ipAddress)
                let now = try await client.send(.get, "/v1/sandboxes/\(sandbox.id)/ip?wait=false").decode(
                    IPResponse.self)
                #expect(now.ipAddress == address)
                let waited = try await client.send(.get, "/v1/sandboxes/\(sandbox.id)/ip?wait=true&timeout=30s")
                #expect(waited.status == .ok)
                #expect(try waited.decode(IPResponse.self).ipAddress == address)
                #expect(try waited.decode(IPResponse.self).source != nil)
                let shown = try await client.send(.get, "/v1/sandboxes/\(sandbox.id)").sandbox()
                #expect(shown.ipAddress == address)
            }
        }
    }

    /// With only the network's lease table as a source (empty on the test driver), waits time out.
    @Test func aTimedOutWaitIs504WithADiagnosis() async throws {
        try await ServerTestHost.with { host in
            try await host.application(sources: [.networkLeases]).test(.router) { client in
                let created = try await client.send(
                    .post, "/v1/sandboxes",
                    json: #"{"agent_id": "t", "auto_start": true, "source_vm_name": "\#(host.base)"}"#
                ).sandbox()
                let now = try await client.send(.get, "/v1/sandboxes/\(created.id)/ip?wait=false")
                #expect(now.status == .ok)
                #expect(try now.decode(IPResponse.self).ipAddress == nil)

                let waited = try await client.send(.get, "/v1/sandboxes/\(created.id)/ip?wait=true&timeout=300ms")
                #expect(waited.status == .gatewayTimeout, "\(waited.text)")
                let error = try #require(waited.apiError)
                #expect(error.code == "timeout")
                let diagnosis = try #require(error.diagnosis)
                #expect(diagnosis.domain == created.sandboxName)
            }
        }
    }

    @Test func waitingOnAStoppedSandboxIs409WithADiagnosis() async throws {
        try await ServerTestHost.with { host in
            try await host.application().test(.router) { client in
                let created = try await client.send(
                    .post, "/v1/sandboxes",
                    json: #"{"agent_id": "t", "source_vm_name": "\#(host.base)", "auto_start": false}"#
                ).sandbox()
                let waited = try await client.send(.get, "/v1/sandboxes/\(created.id)/ip?wait=1&timeout=2s")
                #expect([.conflict, .gatewayTimeout].contains(waited.status), "\(waited.text)")
                #expect(["not_running", "timeout"].contains(waited.apiError?.code ?? ""))
                #expect(waited.apiError?.diagnosis?.verdict.stage == .notRunning)
            }
        }
    }

    @Test func diagnoseReturnsTheLibrarysDiagnosis() async throws {
        try await ServerTestHost.with { host in
            try await host.application().test(.router) { client in
                let created = try await client.send(
                    .post, "/v1/sandboxes",
                    json:
                        #"{"agent_id": "t", "auto_start": true, "source_vm_name": "\#(host.base)", "wait_for_ip": true}"#
                ).sandbox()
                let response = try await client.send(.get, "/v1/sandboxes/\(created.id)/diagnose")
                #expect(response.status == .ok)
                let diagnosis = try response.decode(Diagnosis.self)
                #expect(diagnosis.domain == created.sandboxName)
                #expect(diagnosis.mac.description == created.mac)
                #expect(diagnosis.verdict.stage == .addressFound)
            }
        }
    }

    /// The test driver has no guest agent: `run` is 409 `agent_unavailable`.
    @Test func runWithoutAGuestAgentIs409() async throws {
        try await ServerTestHost.with { host in
            try await host.application().test(.router) { client in
                let created = try await client.send(
                    .post, "/v1/sandboxes",
                    json: #"{"agent_id": "t", "auto_start": true, "source_vm_name": "\#(host.base)"}"#
                ).sandbox()
                let response = try await client.send(
                    .post, "/v1/sandboxes/\(created.id)/run", json: #"{"command": "hostname", "timeout_sec": 5}"#)
                #expect(response.status == .conflict, "\(response.text)")
                #expect(response.apiError?.code == "agent_unavailable")
                let metrics = try await client.send(.get, "/metrics").text
                #expect(metrics.contains(#"sandbox_failures_total{operation="run",code="agent_unavailable"} 1"#))
            }
        }
    }
}

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
                    .post, "/v1/sandboxes", json: #"{"source_vm_name": "\#(host.base)", "wait_for_ip": true}"#)
                #expect(created.status == .created, "\(created.text)")
                let sandbox = try created.decode(SandboxResource.self)
                let address = try #require(sandbox.ip)
                let now = try await client.send(.get, "/v1/sandboxes/\(sandbox.id)/ip").decode(IPResponse.self)
                #expect(now.ip == address)
                let waited = try await client.send(.get, "/v1/sandboxes/\(sandbox.id)/ip?wait=true&timeout=30s")
                #expect(waited.status == .ok)
                #expect(try waited.decode(IPResponse.self).ip == address)
                #expect(try waited.decode(IPResponse.self).source != nil)
                let shown = try await client.send(.get, "/v1/sandboxes/\(sandbox.id)").decode(SandboxResource.self)
                #expect(shown.ip == address)
            }
        }
    }

    /// With only the network's lease table as a source (empty on the test driver), waits time out.
    @Test func aTimedOutWaitIs504WithADiagnosis() async throws {
        try await ServerTestHost.with { host in
            try await host.application(sources: [.networkLeases]).test(.router) { client in
                let created = try await client.send(
                    .post, "/v1/sandboxes", json: #"{"source_vm_name": "\#(host.base)"}"#
                ).decode(SandboxResource.self)
                let now = try await client.send(.get, "/v1/sandboxes/\(created.id)/ip")
                #expect(now.status == .ok)
                #expect(try now.decode(IPResponse.self).ip == nil)

                let waited = try await client.send(.get, "/v1/sandboxes/\(created.id)/ip?wait=true&timeout=300ms")
                #expect(waited.status == .gatewayTimeout, "\(waited.text)")
                let error = try #require(waited.apiError)
                #expect(error.code == "timeout")
                let diagnosis = try #require(error.diagnosis)
                #expect(diagnosis.domain == created.name)
            }
        }
    }

    @Test func waitingOnAStoppedSandboxIs409WithADiagnosis() async throws {
        try await ServerTestHost.with { host in
            try await host.application().test(.router) { client in
                let created = try await client.send(
                    .post, "/v1/sandboxes", json: #"{"source_vm_name": "\#(host.base)", "auto_start": false}"#
                ).decode(SandboxResource.self)
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
                    .post, "/v1/sandboxes", json: #"{"source_vm_name": "\#(host.base)", "wait_for_ip": true}"#
                ).decode(SandboxResource.self)
                let response = try await client.send(.get, "/v1/sandboxes/\(created.id)/diagnose")
                #expect(response.status == .ok)
                let diagnosis = try response.decode(Diagnosis.self)
                #expect(diagnosis.domain == created.name)
                #expect(diagnosis.mac.description == created.mac)
                #expect(diagnosis.verdict.stage == .addressFound)
            }
        }
    }

    /// The test driver has no guest agent: `run` is 503 `agent_unavailable`.
    @Test func runWithoutAGuestAgentIs503() async throws {
        try await ServerTestHost.with { host in
            try await host.application().test(.router) { client in
                let created = try await client.send(
                    .post, "/v1/sandboxes", json: #"{"source_vm_name": "\#(host.base)"}"#
                ).decode(SandboxResource.self)
                let response = try await client.send(
                    .post, "/v1/sandboxes/\(created.id)/run", json: #"{"command": "hostname", "timeout_sec": 5}"#)
                #expect(response.status == .serviceUnavailable, "\(response.text)")
                #expect(response.apiError?.code == "agent_unavailable")
                let metrics = try await client.send(.get, "/metrics").text
                #expect(metrics.contains(#"sandbox_failures_total{operation="run",code="agent_unavailable"} 1"#))
            }
        }
    }
}

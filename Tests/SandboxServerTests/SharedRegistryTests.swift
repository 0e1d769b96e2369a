import Foundation
import HummingbirdTesting
import Metrics
import Prometheus
import SandboxCore
import SandboxServer
import Testing

/// The library's and the server's metrics in one real Prometheus registry, as `sandbox-server`
/// has them: a registry traps on a name used both with and without labels, so the two must never
/// share a name.
@Suite struct SharedRegistryTests {
    @Test func libraryAndServerMetricsShareOneRegistry() async throws {
        try await ServerTestHost.with { host in
            let registry = PrometheusCollectorRegistry()
            let factory = PrometheusMetricsFactory(registry: registry)
            let manager = SandboxManager(
                domains: host.connection,
                configuration: .init(jobsRoot: host.jobsRoot, owner: host.owner, gracefulShutdownTimeout: .zero),
                metrics: SandboxMetrics(factory: factory))
            let app = SandboxServerApp.application(
                manager: manager, janitorInterval: nil, metrics: ServerMetrics(factory: factory),
                metricsText: { registry.emitToString() })
            try await app.test(.router) { client in
                let created = try await client.send(
                    .post, "/v1/sandboxes",
                    json: #"{"source_vm_name": "\#(host.base)", "agent_id": "test", "auto_start": true}"#)
                #expect(created.status == .created, "\(created.text)")
                let waited = try await client.send(
                    .post, "/v1/sandboxes",
                    json:
                        #"{"agent_id": "t", "auto_start": true, "source_vm_name": "\#(host.base)", "wait_for_ip": true}"#
                )
                #expect(waited.status == .created, "\(waited.text)")
                let missing = try await client.send(
                    .post, "/v1/sandboxes",
                    json:
                        #"{"agent_id": "t", "auto_start": true, "source_vm_name": "no-such-base-\#(UUID().uuidString)"}"#
                )
                #expect(missing.status == .notFound, "\(missing.text)")
                for response in [created, waited] {
                    let sandbox = try response.sandbox()
                    #expect(try await client.send(.delete, "/v1/sandboxes/\(sandbox.id)").status == .ok)
                }

                let response = try await client.send(.get, "/metrics")
                #expect(response.status == .ok)
                let text = response.text
                for line in [
                    // The library's.
                    #"sandbox_creates_total{result="ok"} 2"#,
                    #"sandbox_creates_total{result="failed"} 1"#,
                    #"sandbox_destroys_total{result="ok"} 2"#,
                    "sandbox_prepare_seconds_count 2",
                    #"sandbox_ip_wait_seconds_count{result="ok"} 1"#,
                    // The server's.
                    "sandbox_api_creates_total 2",
                    #"sandbox_api_destroys_total{reason="api"} 2"#,
                    #"sandbox_failures_total{operation="create",code="not_found"} 1"#,
                    #"sandbox_http_requests_total{route="/v1/sandboxes",method="POST",status="201"} 2"#,
                    #"sandbox_http_requests_total{route="/v1/sandboxes",method="POST",status="404"} 1"#,
                    #"sandbox_http_requests_total{route="/v1/sandboxes/{id}",method="DELETE",status="200"} 2"#,
                ] {
                    #expect(text.contains(line), "missing \(line) in\n\(text)")
                }
                #expect(text.contains("sandbox_http_request_duration_seconds_count"), "\(text)")
            }
            #expect(host.jobsLeft().isEmpty)
        }
    }
}

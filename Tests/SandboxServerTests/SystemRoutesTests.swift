import Foundation
import HummingbirdTesting
import SandboxCore
import SandboxServer
import Testing

/// Health, metrics and routes that do not exist.
@Suite struct SystemRoutesTests {
    @Test func healthSaysLibvirtAnswers() async throws {
        try await ServerTestHost.with { host in
            try await host.application().test(.router) { client in
                let response = try await client.send(.get, "/v1/health")
                #expect(response.status == .ok)
                let health = try response.decode(HealthResponse.self)
                #expect(health.status == "ok")
                #expect(health.libvirtURI == "test:///default")
            }
        }
    }

    @Test func healthIs503WhenTheConnectionIsClosed() async throws {
        try await ServerTestHost.with { host in
            let connection = try await LibvirtConnection(uri: "test:///default")
            await connection.close()
            let manager = SandboxManager(domains: connection, configuration: .init(jobsRoot: host.jobsRoot))
            try await SandboxServerApp.application(manager: manager, janitorInterval: nil).test(.router) { client in
                let response = try await client.send(.get, "/v1/health")
                #expect(response.status == .serviceUnavailable)
                #expect(try response.decode(HealthResponse.self).status == "unavailable")
            }
        }
    }

    @Test func metricsCountRequestsPerRouteAndSandboxLifecycle() async throws {
        try await ServerTestHost.with { host in
            try await host.application().test(.router) { client in
                let created = try await client.send(
                    .post, "/v1/sandboxes",
                    json: #"{"agent_id": "t", "auto_start": true, "source_vm_name": "\#(host.base)"}"#
                ).sandbox()
                try await client.send(.get, "/v1/sandboxes/\(created.id)")
                try await client.send(.get, "/v1/sandboxes/\(created.id)")
                try await client.send(.delete, "/v1/sandboxes/\(created.id)")
                try await client.send(.post, "/v1/sandboxes", json: "{")
                try await client.send(.get, "/nowhere")

                let response = try await client.send(.get, "/metrics")
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
                let text = response.text
                for line in [
                    #"sandbox_http_requests_total{route="/v1/sandboxes",method="POST",status="201"} 1"#,
                    #"sandbox_http_requests_total{route="/v1/sandboxes/{id}",method="GET",status="200"} 2"#,
                    #"sandbox_http_requests_total{route="/v1/sandboxes/{id}",method="DELETE",status="200"} 1"#,
                    #"sandbox_http_requests_total{route="/v1/sandboxes",method="POST",status="400"} 1"#,
                    #"sandbox_http_requests_total{route="unmatched",method="GET",status="404"} 1"#,
                    "sandbox_api_creates_total 1",
                    #"sandbox_api_destroys_total{reason="api"} 1"#,
                    #"sandbox_failures_total{operation="create",code="invalid_argument"} 1"#,
                ] {
                    #expect(text.contains(line), "missing \(line) in\n\(text)")
                }
                #expect(text.contains("sandbox_http_request_duration_seconds"))
            }
        }
    }

    @Test func unknownRoutesAreJSON404s() async throws {
        try await ServerTestHost.with { host in
            try await host.application().test(.router) { client in
                // A known path with another method is a 405 (MethodNotAllowedTests).
                for (method, uri) in [("GET", "/v2/things"), ("PUT", "/v1/sandbox"), ("PATCH", "/v1/healthz")] {
                    let response = try await client.send(.init(method)!, uri)
                    #expect(response.status == .notFound, "\(method) \(uri)")
                    #expect(response.apiError?.code == "not_found")
                }
            }
        }
    }
}

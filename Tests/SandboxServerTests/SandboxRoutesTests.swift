import Foundation
import HummingbirdTesting
import SandboxCore
import SandboxServer
import Testing

/// Create, read, list, start and delete through the HTTP API on `test:///default`.
@Suite struct SandboxRoutesTests {
    @Test func createReadListDelete() async throws {
        try await ServerTestHost.with { host in
            try await host.application().test(.router) { client in
                let created = try await client.send(
                    .post, "/v1/sandboxes",
                    json: #"{"source_vm_name": "\#(host.base)", "agent_id": "agent-1", "cpu": 1, "memory_mb": 256,"#
                        + #" "ttl_seconds": 3600}"#)
                #expect(created.status == .created, "\(created.text)")
                let sandbox = try created.decode(SandboxResource.self)
                #expect(sandbox.name.hasPrefix("sbx-"))
                #expect(sandbox.id == sandbox.name)
                #expect(sandbox.state == "running")
                #expect(sandbox.agentID == "agent-1")
                #expect(sandbox.sourceVMName == host.base)
                #expect(sandbox.ttlSeconds == 3600)
                #expect(sandbox.mac?.hasPrefix("52:54:00") == true)
                #expect(sandbox.expiresAt != nil)
                #expect(host.jobsLeft() == [sandbox.name])

                for id in [sandbox.name, sandbox.uuid, sandbox.uuid.uppercased()] {
                    let shown = try await client.send(.get, "/v1/sandboxes/\(id)")
                    #expect(shown.status == .ok)
                    let resource = try shown.decode(SandboxResource.self)
                    #expect(resource.uuid == sandbox.uuid)
                    #expect(resource.mac == sandbox.mac)
                    #expect(resource.createdAt == sandbox.createdAt)
                }

                let listed = try await client.send(.get, "/v1/sandboxes").decode(SandboxList.self)
                #expect(listed.sandboxes.map(\.name) == [sandbox.name])

                let deleted = try await client.send(.delete, "/v1/sandboxes/\(sandbox.name)")
                #expect(deleted.status == .noContent)
                #expect(try await client.send(.get, "/v1/sandboxes/\(sandbox.name)").status == .notFound)
                #expect(try await client.send(.get, "/v1/sandboxes").decode(SandboxList.self).sandboxes.isEmpty)
                #expect(host.jobsLeft().isEmpty)
                #expect(try await host.connection.domain(named: sandbox.name) == nil)
            }
        }
    }

    @Test func aTakenNameIs409AndTheFirstSandboxStays() async throws {
        try await ServerTestHost.with { host in
            try await host.application().test(.router) { client in
                let name = "srv-named-" + UUID().uuidString.prefix(6).lowercased()
                let body = #"{"source_vm_name": "\#(host.base)", "name": "\#(name)", "auto_start": false}"#
                let first = try await client.send(.post, "/v1/sandboxes", json: body)
                #expect(first.status == .created, "\(first.text)")
                #expect(try first.decode(SandboxResource.self).state == "shut_off")
                let second = try await client.send(.post, "/v1/sandboxes", json: body)
                #expect(second.status == .conflict)
                #expect(second.apiError?.code == "name_taken")
                #expect(try await client.send(.get, "/v1/sandboxes/\(name)").status == .ok)
                #expect(host.jobsLeft() == [name])
            }
        }
    }

    @Test func startStartsADefinedSandboxAndIsIdempotent() async throws {
        try await ServerTestHost.with { host in
            try await host.application().test(.router) { client in
                let created = try await client.send(
                    .post, "/v1/sandboxes", json: #"{"source_vm_name": "\#(host.base)", "auto_start": false}"#)
                let sandbox = try created.decode(SandboxResource.self)
                #expect(sandbox.state == "shut_off")
                for _ in 0..<2 {
                    let started = try await client.send(.post, "/v1/sandboxes/\(sandbox.id)/start")
                    #expect(started.status == .ok, "\(started.text)")
                    #expect(try started.decode(SandboxResource.self).state == "running")
                }
                let shown = try await client.send(.get, "/v1/sandboxes/\(sandbox.id)").decode(SandboxResource.self)
                #expect(shown.state == "running")
            }
        }
    }

    @Test(arguments: [
        ("GET", "/v1/sandboxes/sbx-nothere"), ("DELETE", "/v1/sandboxes/sbx-nothere"),
        ("POST", "/v1/sandboxes/sbx-nothere/start"), ("GET", "/v1/sandboxes/sbx-nothere/ip"),
        ("GET", "/v1/sandboxes/sbx-nothere/diagnose"), ("GET", "/v1/sandboxes/..%2F..%2Fetc"),
    ])
    func unknownSandboxesAre404(method: String, uri: String) async throws {
        try await ServerTestHost.with { host in
            try await host.application().test(.router) { client in
                let response = try await client.send(.init(method)!, uri)
                #expect(response.status == .notFound, "\(response.text)")
                #expect(response.apiError?.code == "not_found")
                #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
            }
        }
    }

    @Test func runOnAnUnknownSandboxIs404() async throws {
        try await ServerTestHost.with { host in
            try await host.application().test(.router) { client in
                let response = try await client.send(
                    .post, "/v1/sandboxes/sbx-nothere/run", json: #"{"command": "true"}"#)
                #expect(response.status == .notFound)
                #expect(response.apiError?.code == "not_found")
            }
        }
    }

    @Test func anUnknownBaseIs404AndMakesNothing() async throws {
        try await ServerTestHost.with { host in
            try await host.application().test(.router) { client in
                let response = try await client.send(
                    .post, "/v1/sandboxes", json: #"{"source_vm_name": "no-such-base-vm"}"#)
                #expect(response.status == .notFound)
                #expect(response.apiError?.code == "not_found")
                #expect(response.apiError?.message.contains("no-such-base-vm") == true)
                #expect(host.jobsLeft().isEmpty)
            }
        }
    }

    @Test func anotherOwnersSandboxIsInvisible() async throws {
        try await ServerTestHost.with { host in
            let other = SandboxManager(
                domains: host.connection,
                configuration: .init(jobsRoot: host.jobsRoot + "-other", owner: "other-" + host.owner))
            let foreign = try await other.create(SandboxRequest(baseVM: host.base, autoStart: false))
            try await host.application().test(.router) { client async throws in
                #expect(try await client.send(.get, "/v1/sandboxes/\(foreign.name)").status == .notFound)
                #expect(try await client.send(.delete, "/v1/sandboxes/\(foreign.name)").status == .notFound)
                #expect(try await client.send(.delete, "/v1/sandboxes/\(host.base)").status == .notFound)
            }
            #expect(try await host.connection.domain(named: foreign.name.value) != nil)
            try await other.destroy(foreign.name)
        }
    }
}

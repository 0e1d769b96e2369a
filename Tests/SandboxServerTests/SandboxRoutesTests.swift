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
                        + #" "ttl_seconds": 3600, "auto_start": true}"#)
                #expect(created.status == .created, "\(created.text)")
                let envelope = try created.decode(CreateSandboxResponse.self)
                let sandbox = envelope.sandbox
                #expect(envelope.ipAddress == nil)
                #expect(sandbox.sandboxName.hasPrefix("sbx-"))
                #expect(sandbox.id == "SBX-" + sandbox.sandboxName)
                #expect(sandbox.jobID == "JOB-" + sandbox.sandboxName)
                #expect(sandbox.state == "RUNNING")
                #expect(sandbox.domainState == "running")
                #expect(sandbox.agentID == "agent-1")
                #expect(sandbox.baseImage == host.base)
                #expect(sandbox.network == "default")
                #expect(sandbox.ttlSeconds == 3600)
                #expect(sandbox.mac?.hasPrefix("52:54:00") == true)
                #expect(sandbox.expiresAt != nil)
                #expect(sandbox.updatedAt == sandbox.createdAt)
                #expect(host.jobsLeft() == [sandbox.sandboxName])

                for id in [sandbox.id, sandbox.sandboxName, sandbox.uuid, sandbox.uuid.uppercased()] {
                    let shown = try await client.send(.get, "/v1/sandboxes/\(id)")
                    #expect(shown.status == .ok)
                    let resource = try shown.decode(GetSandboxResponse.self)
                    #expect(resource.sandbox.uuid == sandbox.uuid)
                    #expect(resource.sandbox.mac == sandbox.mac)
                    #expect(resource.sandbox.createdAt == sandbox.createdAt)
                    #expect(resource.commands == nil)
                }

                let listed = try await client.send(.get, "/v1/sandboxes").decode(SandboxList.self)
                #expect(listed.sandboxes.map(\.sandboxName) == [sandbox.sandboxName])
                #expect(listed.total == 1)

                let deleted = try await client.send(.delete, "/v1/sandboxes/\(sandbox.id)")
                #expect(deleted.status == .ok)
                let gone = try deleted.decode(DestroySandboxResponse.self)
                #expect(gone.state == "DESTROYED")
                #expect(gone.sandboxName == sandbox.sandboxName)
                #expect(gone.baseImage == host.base)
                #expect(gone.ttlSeconds == 3600)
                #expect(try await client.send(.get, "/v1/sandboxes/\(sandbox.id)").status == .notFound)
                #expect(try await client.send(.get, "/v1/sandboxes").decode(SandboxList.self).sandboxes.isEmpty)
                #expect(host.jobsLeft().isEmpty)
                #expect(try await host.connection.domain(named: sandbox.sandboxName) == nil)
            }
        }
    }

    /// The original's list filters and paging; `total` counts the matches before paging.
    @Test func listFiltersAndPages() async throws {
        try await ServerTestHost.with { host in
            try await host.application().test(.router) { client in
                var made: [SandboxResource] = []
                for (agent, start) in [("a1", true), ("a1", false), ("a2", false)] {
                    let reply = try await client.send(
                        .post, "/v1/sandboxes",
                        json: #"{"source_vm_name": "\#(host.base)", "agent_id": "\#(agent)", "auto_start": \#(start)}"#)
                    made.append(try reply.decode(CreateSandboxResponse.self).sandbox)
                }
                func names(_ query: String) async throws -> ([String], Int) {
                    let list = try await client.send(.get, "/v1/sandboxes\(query)").decode(SandboxList.self)
                    return (list.sandboxes.map(\.sandboxName), list.total)
                }
                let all = made.map(\.sandboxName).sorted()
                #expect(try await names("").0 == all)
                #expect(try await names("?agent_id=a1").0 == made.prefix(2).map(\.sandboxName).sorted())
                #expect(try await names("?state=RUNNING").0 == [made[0].sandboxName])
                #expect(try await names("?state=created").0 == made.dropFirst().map(\.sandboxName).sorted())
                #expect(try await names("?vm_name=\(made[2].sandboxName)").0 == [made[2].sandboxName])
                #expect(try await names("?job_id=\(made[1].jobID)").0 == [made[1].sandboxName])
                #expect(try await names("?base_image=\(host.base)").1 == 3)
                #expect(try await names("?base_image=other").1 == 0)
                let page = try await names("?limit=2&offset=1")
                #expect(page.0 == Array(all.dropFirst().prefix(2)))
                #expect(page.1 == 3)
                #expect(try await names("?offset=9").0.isEmpty)
                for bad in ["?limit=-1", "?limit=x", "?offset=1e3", "?limit=100000"] {
                    let reply = try await client.send(.get, "/v1/sandboxes\(bad)")
                    #expect(reply.status == .badRequest, "\(bad): \(reply.text)")
                }
            }
        }
    }

    /// `GET /v1/vms`: the shut-off domains that are not sandboxes (no `SANDBOX_BASES`).
    @Test func vmsListsTheBasesNotTheSandboxes() async throws {
        try await ServerTestHost.with { host in
            try await host.application().test(.router) { client in
                let made = try await client.send(
                    .post, "/v1/sandboxes", json: #"{"source_vm_name": "\#(host.base)", "agent_id": "t"}"#
                ).decode(CreateSandboxResponse.self).sandbox
                let vms = try await client.send(.get, "/v1/vms").decode(VMList.self).vms
                let base = try #require(vms.first { $0.name == host.base }, "\(vms)")
                #expect(base.state == "shut_off")
                #expect(base.persistent)
                #expect(base.diskPath?.hasSuffix(".img") == true)
                #expect(!vms.contains { $0.name == made.sandboxName })
            }
        }
    }

    @Test func aTakenNameIs409AndTheFirstSandboxStays() async throws {
        try await ServerTestHost.with { host in
            try await host.application().test(.router) { client in
                let name = "srv-named-" + UUID().uuidString.prefix(6).lowercased()
                let body = #"{"agent_id": "t", "source_vm_name": "\#(host.base)", "vm_name": "\#(name)"}"#
                let first = try await client.send(.post, "/v1/sandboxes", json: body)
                #expect(first.status == .created, "\(first.text)")
                #expect(try first.decode(CreateSandboxResponse.self).sandbox.state == "CREATED")
                let second = try await client.send(.post, "/v1/sandboxes", json: body)
                #expect(second.status == .conflict)
                #expect(second.apiError?.code == "name_taken")
                #expect(second.apiError?.status == 409)
                #expect(try await client.send(.get, "/v1/sandboxes/\(name)").status == .ok)
                #expect(host.jobsLeft() == [name])
            }
        }
    }

    /// Start answers the original's `{ip_address}` (absent without `wait_for_ip`), takes an empty
    /// body, and is idempotent.
    @Test func startStartsADefinedSandboxAndIsIdempotent() async throws {
        try await ServerTestHost.with { host in
            try await host.application().test(.router) { client in
                let created = try await client.send(
                    .post, "/v1/sandboxes", json: #"{"agent_id": "t", "source_vm_name": "\#(host.base)"}"#)
                let sandbox = try created.decode(CreateSandboxResponse.self).sandbox
                #expect(sandbox.state == "CREATED")
                for body in [nil, #"{"wait_for_ip": false}"#] {
                    let started = try await client.send(.post, "/v1/sandboxes/\(sandbox.id)/start", json: body)
                    #expect(started.status == .ok, "\(started.text)")
                    #expect(try started.decode(IPResponse.self).ipAddress == nil)
                }
                let shown = try await client.send(.get, "/v1/sandboxes/\(sandbox.id)").decode(GetSandboxResponse.self)
                #expect(shown.sandbox.state == "RUNNING")
                let bad = try await client.send(.post, "/v1/sandboxes/\(sandbox.id)/start", json: #"{"wait": 1}"#)
                #expect(bad.status == .badRequest)
            }
        }
    }

    @Test(arguments: [
        ("GET", "/v1/sandboxes/sbx-nothere"), ("DELETE", "/v1/sandboxes/sbx-nothere"),
        ("POST", "/v1/sandboxes/sbx-nothere/start"), ("GET", "/v1/sandboxes/sbx-nothere/ip?wait=false"),
        ("GET", "/v1/sandboxes/SBX-sbx-nothere/commands"),
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
                    .post, "/v1/sandboxes", json: #"{"agent_id": "t", "source_vm_name": "no-such-base-vm"}"#)
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

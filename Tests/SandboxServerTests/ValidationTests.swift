import Foundation
import HummingbirdTesting
import SandboxCore
import SandboxServer
import Testing

/// Bad input is 400 `invalid_argument` and makes nothing.
@Suite struct ValidationTests {
    static let badCreateBodies: [(String, String)] = [
        ("malformed JSON", #"{"agent_id": "t", "source_vm_name": "#),
        ("not an object", #"[1, 2]"#),
        ("empty body", ""),
        ("missing base", #"{"cpu": 1}"#),
        ("cpu as a string", #"{"agent_id": "t", "source_vm_name": "BASE", "cpu": "2"}"#),
        ("memory as a float", #"{"agent_id": "t", "source_vm_name": "BASE", "memory_mb": 1.5}"#),
        ("auto_start as a string", #"{"agent_id": "t", "source_vm_name": "BASE", "auto_start": "yes"}"#),
        ("base as a number", #"{"agent_id": "t", "source_vm_name": 7}"#),
        ("null base", #"{"agent_id": "t", "source_vm_name": null}"#),
        ("unknown field", #"{"agent_id": "t", "source_vm_name": "BASE", "memory_mib": 512}"#),
        ("negative cpu", #"{"agent_id": "t", "source_vm_name": "BASE", "cpu": -1}"#),
        ("no agent_id", #"{"source_vm_name": "BASE"}"#),
        ("negative memory", #"{"agent_id": "t", "source_vm_name": "BASE", "memory_mb": -512}"#),
        ("negative ttl", #"{"agent_id": "t", "source_vm_name": "BASE", "ttl_seconds": -5}"#),
        ("too much memory", #"{"agent_id": "t", "source_vm_name": "BASE", "memory_mb": 999999999}"#),
        ("too many CPUs", #"{"agent_id": "t", "source_vm_name": "BASE", "cpu": 100000}"#),
        ("bad name", #"{"agent_id": "t", "source_vm_name": "BASE", "vm_name": "../etc"}"#),
        ("empty base", #"{"agent_id": "t", "source_vm_name": ""}"#),
        ("empty agent_id", #"{"agent_id": "", "source_vm_name": "BASE"}"#),
        ("agent id with a newline", #"{"source_vm_name": "BASE", "agent_id": "a\nb"}"#),
    ]

    @Test(arguments: badCreateBodies)
    func badCreateBodiesAre400AndMakeNothing(label: String, body: String) async throws {
        try await ServerTestHost.with { host in
            try await host.application().test(.router) { client in
                let response = try await client.send(
                    .post, "/v1/sandboxes", json: body.replacingOccurrences(of: "BASE", with: host.base))
                #expect(response.status == .badRequest, "\(label): \(response.text)")
                #expect(response.apiError?.code == "invalid_argument", "\(label)")
                #expect(response.apiError?.message.isEmpty == false)
                #expect(try await client.send(.get, "/v1/sandboxes").decode(SandboxList.self).sandboxes.isEmpty)
            }
            #expect(host.jobsLeft().isEmpty, "\(label)")
        }
    }

    @Test func errorMessagesNameTheField() async throws {
        try await ServerTestHost.with { host in
            try await host.application().test(.router) { client in
                let wrongType = try await client.send(
                    .post, "/v1/sandboxes", json: #"{"agent_id": "t", "source_vm_name": "x", "cpu": "2"}"#)
                #expect(wrongType.apiError?.message.contains("cpu") == true, "\(wrongType.text)")
                let unknown = try await client.send(
                    .post, "/v1/sandboxes", json: #"{"agent_id": "t", "source_vm_name": "x", "memory_mib": 1}"#)
                #expect(unknown.apiError?.message.contains("memory_mib") == true, "\(unknown.text)")
                let negative = try await client.send(
                    .post, "/v1/sandboxes", json: #"{"agent_id": "t", "source_vm_name": "x", "ttl_seconds": -1}"#)
                #expect(negative.apiError?.message.contains("ttl_seconds") == true, "\(negative.text)")
            }
        }
    }

    @Test(arguments: [
        #"{"command": 5}"#, #"{"command": ""}"#, #"{"command": "true", "user": "../root"}"#,
        #"{"command": "true", "timeout_sec": -3}"#, #"{"command": "true", "timeout_sec": "5"}"#,
        #"{"command": "true", "extra": 1}"#, "not json",
    ])
    func badRunBodiesAre400(body: String) async throws {
        try await ServerTestHost.with { host in
            try await host.application().test(.router) { client in
                let created = try await client.send(
                    .post, "/v1/sandboxes", json: #"{"agent_id": "t", "source_vm_name": "\#(host.base)"}"#
                ).sandbox()
                let response = try await client.send(.post, "/v1/sandboxes/\(created.id)/run", json: body)
                #expect(response.status == .badRequest, "\(body): \(response.text)")
                #expect(response.apiError?.code == "invalid_argument")
            }
        }
    }

    @Test(arguments: ["wait=maybe", "wait=true&timeout=soon", "wait=true&timeout=-1s", "wait=true&timeout=0"])
    func badIPQueriesAre400(query: String) async throws {
        try await ServerTestHost.with { host in
            try await host.application().test(.router) { client in
                let created = try await client.send(
                    .post, "/v1/sandboxes", json: #"{"agent_id": "t", "source_vm_name": "\#(host.base)"}"#
                ).sandbox()
                let response = try await client.send(.get, "/v1/sandboxes/\(created.id)/ip?\(query)")
                #expect(response.status == .badRequest, "\(query): \(response.text)")
                #expect(response.apiError?.code == "invalid_argument")
            }
        }
    }
}

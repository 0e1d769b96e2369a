import Foundation
import Hummingbird
import HummingbirdTesting
import SandboxCore
import SandboxServer
import Testing

/// `ServerPolicy` through the HTTP API on `test:///default`: every limit at, below and above its
/// bound; a refusal is a 4xx JSON error with a code and leaves no domain and no job folder.
@Suite struct PolicyRoutesTests {
    /// Sends a create and, when it is refused, checks the status, the code and that nothing was made.
    static func refused(
        _ client: some TestClientProtocol, _ host: ServerTestHost, _ json: String, status: HTTPResponse.Status,
        code: String, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let before = try await host.manager().list().count
        let jobsBefore = host.jobsLeft().count
        let response = try await client.send(.post, "/v1/sandboxes", json: json)
        #expect(response.status == status, "\(json): \(response.text)", sourceLocation: sourceLocation)
        #expect(response.apiError?.code == code, "\(json): \(response.text)", sourceLocation: sourceLocation)
        #expect(try await host.manager().list().count == before, sourceLocation: sourceLocation)
        #expect(host.jobsLeft().count == jobsBefore, sourceLocation: sourceLocation)
    }

    static func created(
        _ client: some TestClientProtocol, _ json: String, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> SandboxResource {
        let response = try await client.send(.post, "/v1/sandboxes", json: json)
        #expect(response.status == .created, "\(json): \(response.text)", sourceLocation: sourceLocation)
        return try response.sandbox()
    }

    @Test func memoryAndCPUsAtBelowAndAboveTheirBounds() async throws {
        try await ServerTestHost.with { host in
            let policy = ServerPolicy(maxMemoryMiB: 512, maxVCPUs: 2)
            try await host.application(policy: policy).test(.router) { client in
                let base = host.base
                _ = try await Self.created(
                    client,
                    #"{"agent_id": "t", "auto_start": true, "source_vm_name": "\#(base)", "memory_mb": 511, "cpu": 1}"#)
                _ = try await Self.created(
                    client,
                    #"{"agent_id": "t", "auto_start": true, "source_vm_name": "\#(base)", "memory_mb": 512, "cpu": 2}"#)
                try await Self.refused(
                    client, host,
                    #"{"agent_id": "t", "auto_start": true, "source_vm_name": "\#(base)", "memory_mb": 513}"#,
                    status: .badRequest,
                    code: "policy_violation")
                try await Self.refused(
                    client, host, #"{"agent_id": "t", "auto_start": true, "source_vm_name": "\#(base)", "cpu": 3}"#,
                    status: .badRequest,
                    code: "policy_violation")
                // Beyond what SandboxCore accepts at all: invalid, not a matter of policy.
                try await Self.refused(
                    client, host,
                    #"{"agent_id": "t", "auto_start": true, "source_vm_name": "\#(base)", "memory_mb": 4294967296}"#,
                    status: .badRequest,
                    code: "invalid_argument")
            }
        }
    }

    /// The default policy refuses the 4 TiB / 1024 vCPU request of the issue.
    @Test func theDefaultPolicyRefusesAHugeSandbox() async throws {
        try await ServerTestHost.with { host in
            try await host.application().test(.router) { client in
                try await Self.refused(
                    client, host,
                    #"{"agent_id": "t", "auto_start": true, "source_vm_name": "\#(host.base)", "memory_mb": 8193}"#,
                    status: .badRequest,
                    code: "policy_violation")
                try await Self.refused(
                    client, host,
                    #"{"agent_id": "t", "auto_start": true, "source_vm_name": "\#(host.base)", "cpu": 9}"#,
                    status: .badRequest,
                    code: "policy_violation")
            }
        }
    }

    /// A base bigger than the policy is refused when the request inherits its size.
    @Test func aBaseBiggerThanThePolicyNeedsAnExplicitSize() async throws {
        try await ServerTestHost.with { host in
            // The test host's base has 512 MiB and 2 vCPUs.
            try await host.application(policy: ServerPolicy(maxMemoryMiB: 256, maxVCPUs: 1)).test(.router) {
                client in
                try await Self.refused(
                    client, host, #"{"agent_id": "t", "auto_start": true, "source_vm_name": "\#(host.base)"}"#,
                    status: .badRequest,
                    code: "policy_violation")
                _ = try await Self.created(
                    client,
                    #"{"agent_id": "t", "auto_start": true, "source_vm_name": "\#(host.base)", "memory_mb": 256, "cpu": 1}"#
                )
            }
        }
    }

    @Test func theTTLDefaultsAndIsBounded() async throws {
        try await ServerTestHost.with { host in
            try await host.application().test(.router) { client in
                let base = host.base
                let defaulted = try await Self.created(
                    client, #"{"agent_id": "t", "source_vm_name": "\#(base)", "auto_start": false}"#)
                #expect(defaulted.ttlSeconds == 3600)
                #expect(defaulted.expiresAt != nil)
                let longest = try await Self.created(
                    client,
                    #"{"agent_id": "t", "source_vm_name": "\#(base)", "auto_start": false, "ttl_seconds": 86400}"#)
                #expect(longest.ttlSeconds == 86400)
                try await Self.refused(
                    client, host,
                    #"{"agent_id": "t", "auto_start": true, "source_vm_name": "\#(base)", "ttl_seconds": 86401}"#,
                    status: .badRequest,
                    code: "policy_violation")
                for huge in [String(Int64.max), String(SandboxMetadata.maxTTLSeconds + 1)] {
                    try await Self.refused(
                        client, host,
                        #"{"agent_id": "t", "auto_start": true, "source_vm_name": "\#(base)", "ttl_seconds": \#(huge)}"#,
                        status: .badRequest, code: "invalid_argument")
                }
            }
        }
    }

    @Test func theQuotaCountsEverySandbox() async throws {
        try await ServerTestHost.with { host in
            try await host.application(policy: ServerPolicy(maxSandboxes: 2)).test(.router) { client in
                let body = #"{"agent_id": "t", "source_vm_name": "\#(host.base)", "auto_start": false}"#
                let first = try await Self.created(client, body)
                _ = try await Self.created(client, body)
                try await Self.refused(client, host, body, status: .tooManyRequests, code: "quota_exceeded")
                #expect(try await client.send(.delete, "/v1/sandboxes/\(first.id)").status == .ok)
                _ = try await Self.created(client, body)
            }
        }
    }

    /// A burst of creates beyond the gate: some are 429 with `Retry-After`, the rest are made, and
    /// exactly those exist afterwards.
    @Test func aBurstBeyondTheGateIs429WithRetryAfter() async throws {
        try await ServerTestHost.with { host in
            let policy = ServerPolicy(maxConcurrentCreates: 1)
            try await host.application(policy: policy).test(.router) { client in
                let body = #"{"agent_id": "t", "source_vm_name": "\#(host.base)", "auto_start": false}"#
                let responses = try await withThrowingTaskGroup(of: TestResponse.self) { group in
                    for _ in 0..<12 { group.addTask { try await client.send(.post, "/v1/sandboxes", json: body) } }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                let limited = responses.filter { $0.status == .tooManyRequests }
                let made = responses.filter { $0.status == .created }
                #expect(!limited.isEmpty, "\(responses.map(\.status))")
                #expect(!made.isEmpty)
                #expect(limited.count + made.count == responses.count, "\(responses.map(\.text))")
                for response in limited {
                    #expect(response.headers[.retryAfter] == String(ServerPolicy.retryAfterSeconds))
                    #expect(response.apiError?.code == "too_many_requests")
                }
                #expect(try await host.manager().list().count == made.count)
                #expect(host.jobsLeft().count == made.count)
            }
        }
    }

    @Test func onlyAllowedBasesAndNeverASandbox() async throws {
        try await ServerTestHost.with { host in
            try await host.application().test(.router) { client in
                let sandbox = try await Self.created(
                    client, #"{"agent_id": "t", "source_vm_name": "\#(host.base)", "auto_start": false}"#)
                #expect(sandbox.state == "CREATED")
                try await Self.refused(
                    client, host,
                    #"{"agent_id": "t", "auto_start": true, "source_vm_name": "\#(sandbox.sandboxName)"}"#,
                    status: .forbidden,
                    code: "policy_violation")
            }
            // Even when listed by name, a sandbox is no base; an unlisted base is refused.
            let policy = ServerPolicy(allowedBases: [host.base, "listed-sandbox"])
            try await host.application(policy: policy).test(.router) { client in
                _ = try await Self.created(
                    client,
                    #"{"agent_id": "t", "auto_start": true, "source_vm_name": "\#(host.base)", "vm_name": "listed-sandbox"}"#
                )
                try await Self.refused(
                    client, host, #"{"agent_id": "t", "auto_start": true, "source_vm_name": "listed-sandbox"}"#,
                    status: .forbidden, code: "policy_violation"
                )
            }
            try await host.application(policy: ServerPolicy(allowedBases: ["another-base"])).test(.router) { client in
                try await Self.refused(
                    client, host, #"{"agent_id": "t", "auto_start": true, "source_vm_name": "\#(host.base)"}"#,
                    status: .forbidden, code: "policy_violation")
            }
        }
    }

    @Test func networksAndAddressOptionsAreOffByDefault() async throws {
        try await ServerTestHost.with { host in
            try await host.application().test(.router) { client in
                let base = host.base
                for (nic, status) in [
                    (#"{"network": "default"}"#, HTTPResponse.Status.forbidden),
                    (#"{"mac": "52:54:00:ab:cd:99"}"#, .badRequest),
                    (#"{"reserve_ipv4": "192.168.122.150"}"#, .badRequest),
                    (#"{"ipv4": "192.168.122.150/24"}"#, .badRequest),
                    (#"{"ipv6": "fd00::5/64"}"#, .badRequest),
                ] {
                    try await Self.refused(
                        client, host,
                        #"{"agent_id": "t", "auto_start": true, "source_vm_name": "\#(base)", "nics": [\#(nic)]}"#,
                        status: status,
                        code: "policy_violation")
                }
                // A plain DHCP NIC needs no permission.
                _ = try await Self.created(
                    client,
                    #"{"agent_id": "t", "auto_start": true, "source_vm_name": "\#(base)", "nics": [{"ipv4": "dhcp"}]}"#)
            }
        }
    }

    @Test func whenAllowedTheGatewayNetworkAndBroadcastAreStillRefused() async throws {
        try await ServerTestHost.with { host in
            try await host.application(policy: .openNetworking).test(.router) { client in
                let base = host.base
                for nic in [
                    #"{"reserve_ipv4": "192.168.122.1"}"#, #"{"ipv4": "192.168.122.1/24"}"#,
                    #"{"ipv4": "192.168.122.255/24"}"#, #"{"reserve_ipv4": "192.168.122.0"}"#,
                ] {
                    try await Self.refused(
                        client, host,
                        #"{"agent_id": "t", "auto_start": true, "source_vm_name": "\#(base)", "nics": [\#(nic)]}"#,
                        status: .badRequest,
                        code: "invalid_argument")
                }
                let holder = try await Self.created(
                    client,
                    #"{"agent_id": "t", "auto_start": true, "source_vm_name": "\#(base)", "nics": [{"reserve_ipv4": "192.168.122.160"}]}"#
                )
                try await Self.refused(
                    client, host,
                    #"{"agent_id": "t", "auto_start": true, "source_vm_name": "\#(base)", "nics": [{"ipv4": "192.168.122.160/24"}]}"#,
                    status: .conflict, code: "name_taken")
                #expect(try await client.send(.delete, "/v1/sandboxes/\(holder.id)").status == .ok)
            }
        }
    }

    @Test func aBodyOverTheLimitIs413() async throws {
        try await ServerTestHost.with { host in
            try await host.application(policy: ServerPolicy(maxRequestBodyBytes: 1024)).test(.router) { client in
                let padding = String(repeating: "x", count: 1100)
                try await Self.refused(
                    client, host,
                    #"{"auto_start": true, "source_vm_name": "\#(host.base)", "agent_id": "\#(padding)"}"#,
                    status: .contentTooLarge, code: "too_large")
                // At the limit the body is read (and judged on its content).
                let body = #"{"source_vm_name": "\#(host.base)", "auto_start": false, "agent_id": ""#
                let fitting = body + String(repeating: "a", count: 1024 - body.utf8.count - 2) + #""}"#
                #expect(fitting.utf8.count == 1024)
                let response = try await client.send(.post, "/v1/sandboxes", json: fitting)
                #expect(response.status != .contentTooLarge, "\(response.text)")
            }
        }
    }

    @Test func ipWaitsAndRunTimeoutsAreBounded() async throws {
        try await ServerTestHost.with { host in
            let policy = ServerPolicy(maxIPWait: .seconds(10), maxRunTimeoutSeconds: 30)
            try await host.application(policy: policy).test(.router) { client in
                let sandbox = try await Self.created(
                    client, #"{"agent_id": "t", "auto_start": true, "source_vm_name": "\#(host.base)"}"#)
                let over = try await client.send(.get, "/v1/sandboxes/\(sandbox.id)/ip?wait=true&timeout=11s")
                #expect(over.status == .badRequest, "\(over.text)")
                #expect(over.apiError?.code == "policy_violation")
                let atBound = try await client.send(.get, "/v1/sandboxes/\(sandbox.id)/ip?wait=true&timeout=10s")
                #expect(atBound.status == .ok, "\(atBound.text)")
                let run = try await client.send(
                    .post, "/v1/sandboxes/\(sandbox.id)/run", json: #"{"command": "true", "timeout_sec": 31}"#)
                #expect(run.status == .badRequest, "\(run.text)")
                #expect(run.apiError?.code == "policy_violation")
            }
        }
    }

    /// A domain someone defined with TTL = Int64.max lists (expiring in year 9999) and survives the
    /// janitor's sweeps.
    @Test func aHugeTTLInMetadataNeitherTrapsNorExpires() async throws {
        try await ServerTestHost.with { host in
            let name = "sbx-huge-" + UUID().uuidString.prefix(6).lowercased()
            // A complete sandbox (job folder with its overlay), so that the janitor's reconcile
            // pass adopts it rather than removing a half-made one.
            let job = host.jobsRoot + "/" + name
            try FileManager.default.createDirectory(atPath: job, withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: job + "/" + SandboxManager.JobFile.overlay, contents: Data())
            _ = try await host.connection.define(
                xml: """
                    <domain type='test'><name>\(name)</name>
                      <metadata><sandbox:sandbox xmlns:sandbox='\(SandboxMetadata.namespaceURI)'>
                        <sandbox:owner>\(host.owner)</sandbox:owner><sandbox:base>\(host.base)</sandbox:base>
                        <sandbox:created>1700000000</sandbox:created><sandbox:ttl>\(Int64.max)</sandbox:ttl>
                      </sandbox:sandbox></metadata>
                      <memory unit='KiB'>131072</memory><vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os>
                    </domain>
                    """)
            try await host.application(janitorInterval: .milliseconds(50)).test(.router) { client in
                try await Task.sleep(for: .milliseconds(300))
                let listed = try await client.send(.get, "/v1/sandboxes")
                #expect(listed.status == .ok, "\(listed.text)")
                let sandboxes = try listed.decode(SandboxList.self).sandboxes
                #expect(sandboxes.map(\.sandboxName) == [name])
                #expect(sandboxes.first?.expiresAt == "9999-12-31T23:59:59Z")
            }
            let janitor = TTLJanitor(manager: host.manager(), interval: .seconds(1))
            #expect(await janitor.sweep().isEmpty)
            #expect(try await host.connection.domain(named: name) != nil)
        }
    }
}

import Foundation
import Testing

private let policyServerExecutable = ServerProcess.builtExecutable("sandbox-server")

/// The policy in the real executable, configured through its environment, over loopback: the
/// request of issue 17 (TTL = Int64.max, 4 TiB, 1024 vCPUs, the gateway's address) is a 4xx, the
/// process lives on, and nothing is made.
@Suite(.enabled(if: policyServerExecutable != nil, "sandbox-server is not built"))
struct PolicyProcessTests {
    @Test func hostileCreatesAre4xxAndTheServerLivesOn() async throws {
        let host = try ServerProcessTests.Host()
        defer { host.remove() }
        let server = try ServerProcess(
            executable: policyServerExecutable!,
            environment: [
                "LIBVIRT_URI": host.uri, "SANDBOX_JOBS_DIR": host.jobs, "SANDBOX_OWNER": "policy-test",
                "SANDBOX_JANITOR_INTERVAL": "1s", "SANDBOX_MAX_TTL": "2h", "SANDBOX_ALLOW_DHCP_RESERVATIONS": "true",
                "SANDBOX_MAX_BODY_BYTES": "2048",
            ],
            logFolder: host.folder)
        defer { server.stop() }
        let serving = await server.waitUntilServing()
        try #require(serving, "sandbox-server did not start: \(server.stderr)")

        let cases: [(json: String, status: Int, code: String)] = [
            (
                #"{"agent_id": "t", "auto_start": true, "source_vm_name": "base", "ttl_seconds": \#(Int64.max)}"#, 400,
                "invalid_argument"
            ),
            (
                #"{"agent_id": "t", "auto_start": true, "source_vm_name": "base", "ttl_seconds": 7201}"#, 400,
                "policy_violation"
            ),
            (
                #"{"agent_id": "t", "auto_start": true, "source_vm_name": "base", "memory_mb": 4194304, "cpu": 1024}"#,
                400, "policy_violation"
            ),
            (
                #"{"agent_id": "t", "auto_start": true, "source_vm_name": "base", "nics": [{"reserve_ipv4": "192.168.122.1"}]}"#,
                400, "invalid_argument"
            ),
            (
                #"{"agent_id": "t", "auto_start": true, "source_vm_name": "base", "nics": [{"mac": "52:54:00:00:00:01"}]}"#,
                400, "policy_violation"
            ),
            (
                #"{"agent_id": "t", "auto_start": true, "source_vm_name": "base", "nics": [{"network": "default"}]}"#,
                403, "policy_violation"
            ),
            (
                #"{"auto_start": true, "source_vm_name": "base", "agent_id": "\#(String(repeating: "x", count: 3000))"}"#,
                413, "too_large"
            ),
        ]
        for (json, status, code) in cases {
            let reply = try await server.send("POST", "/v1/sandboxes", json: json)
            #expect(server.isRunning, "died after \(json.prefix(80)): \(server.stderr)")
            #expect(reply.status == status, "\(json.prefix(80)): \(reply.text)")
            #expect(reply.errorCode == code, "\(json.prefix(80)): \(reply.text)")
        }
        #expect(host.jobsLeft.isEmpty, "\(host.jobsLeft)")

        // The longest TTL is made, lists, and survives a janitor sweep.
        let made = try await server.send(
            "POST", "/v1/sandboxes",
            json: #"{"agent_id": "t", "source_vm_name": "base", "ttl_seconds": 7200, "auto_start": false}"#)
        #expect(made.status == 201, "\(made.text)")
        try await Task.sleep(for: .milliseconds(1500))
        let list = try await server.send("GET", "/v1/sandboxes")
        #expect(list.status == 200)
        #expect((list.object["sandboxes"] as? [Any])?.count == 1, "\(list.text)")
        #expect(server.isRunning, "\(server.stderr)")
        let status = await server.terminate(within: .seconds(60))
        #expect(status == 0, "\(server.stderr)")
    }
}

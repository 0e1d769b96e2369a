import Foundation
import HummingbirdTesting
import SandboxCore
import SandboxServer
import Testing

/// The TTL janitor runs as a service of the application and destroys expired sandboxes only.
@Suite struct JanitorTests {
    @Test func anExpiredSandboxIsDestroyedAndALiveOneStays() async throws {
        try await ServerTestHost.with { host in
            try await host.application(janitorInterval: .milliseconds(100)).test(.router) { client in
                let short = try await client.send(
                    .post, "/v1/sandboxes",
                    json: #"{"agent_id": "t", "auto_start": true, "source_vm_name": "\#(host.base)", "ttl_seconds": 1}"#
                ).sandbox()
                let long = try await client.send(
                    .post, "/v1/sandboxes",
                    json:
                        #"{"agent_id": "t", "auto_start": true, "source_vm_name": "\#(host.base)", "ttl_seconds": 3600}"#
                ).sandbox()
                let forever = try await client.send(
                    .post, "/v1/sandboxes",
                    json: #"{"agent_id": "t", "auto_start": true, "source_vm_name": "\#(host.base)"}"#
                ).sandbox()

                let gone = try await eventually {
                    try await client.send(.get, "/v1/sandboxes/\(short.id)").status == .notFound
                }
                #expect(gone)
                #expect(!host.jobsLeft().contains(short.sandboxName))
                #expect(try await host.connection.domain(named: short.sandboxName) == nil)
                #expect(try await client.send(.get, "/v1/sandboxes/\(long.id)").status == .ok)
                #expect(try await client.send(.get, "/v1/sandboxes/\(forever.id)").status == .ok)
                let metrics = try await client.send(.get, "/metrics").text
                #expect(metrics.contains(#"sandbox_api_destroys_total{reason="ttl"} 1"#), "\(metrics)")
            }
        }
    }

    @Test func aSweepReapsOnlyWhatHasExpired() async throws {
        try await ServerTestHost.with { host in
            let manager = host.manager()
            let expired = try await manager.create(SandboxRequest(baseVM: host.base, autoStart: false, ttlSeconds: 1))
            let live = try await manager.create(SandboxRequest(baseVM: host.base, autoStart: false, ttlSeconds: 600))
            let janitor = TTLJanitor(manager: manager, interval: .seconds(1), metrics: host.metrics)
            var reaped: [String] = []
            let done = await eventually {
                let swept = await janitor.sweep()
                #expect(!swept.contains(live.name.value))
                reaped += swept
                return reaped == [expired.name.value]
            }
            #expect(done, "reaped \(reaped)")
            #expect(try await manager.list().map(\.name) == [live.name.value])
        }
    }

    /// The janitor reconciles as it starts: a domain of this owner whose job folder is gone (a
    /// create killed half-way, or a folder removed by hand) is undefined, and a complete sandbox
    /// stays.
    @Test func theJanitorReconcilesWhatAKilledCreateLeft() async throws {
        try await ServerTestHost.with { host in
            let manager = host.manager()
            let kept = try await manager.create(SandboxRequest(baseVM: host.base, autoStart: false))
            let broken = try await manager.create(SandboxRequest(baseVM: host.base, autoStart: false))
            try FileManager.default.removeItem(atPath: host.jobsRoot + "/" + broken.name.value)
            try await host.application(janitorInterval: .milliseconds(100)).test(.router) { client in
                let removed = try await eventually {
                    try await host.connection.domain(named: broken.name.value) == nil
                }
                #expect(removed)
                #expect(try await client.send(.get, "/v1/sandboxes/\(kept.name.value)").status == .ok)
            }
            #expect(host.jobsLeft() == [kept.name.value])
        }
    }
}

import Foundation
import SandboxCoreTesting
import Synchronization
import Testing

@testable import SandboxCore

/// After the guest released its DHCP leases, destroy keeps the domain until its network no longer
/// lists them: a DHCPRELEASE still in QEMU's queue is lost when the plug is pulled, and the lease
/// then blocks its address until it expires (seen on a loaded CI host: six leases left at once).
@Suite(.timeLimit(.minutes(1)))
struct DestroyWaitsForReleaseTests {
    @Test func destroyPullsThePlugOnlyOnceTheNetworkDroppedTheLease() async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        defer { Task { await host.cleanUp(bases: [base]) } }
        let domains = ReleasingAgentDomains(host.connection, pollsUntilGone: 3)
        let manager = SandboxManager(
            domains: domains,
            configuration: .init(jobsRoot: host.jobsRoot, owner: host.owner, gracefulShutdownTimeout: .seconds(30)))
        let sandbox = try await manager.create(SandboxRequest(baseVM: base))
        domains.lease(sandbox.mac.description)

        try await manager.destroy(sandbox.name)
        #expect(try await host.connection.domain(named: sandbox.name.value) == nil)
        #expect(domains.releaseScriptsRun == 1)
        #expect(domains.leasesListedAtDestroy == [], "destroyed while the network still listed the lease")
        #expect(domains.leasePolls >= 3)
    }

    @Test func aLeaseThatStaysDelaysDestroyOnlyBySettleTime() async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        defer { Task { await host.cleanUp(bases: [base]) } }
        let domains = ReleasingAgentDomains(host.connection, pollsUntilGone: nil)
        let manager = SandboxManager(
            domains: domains,
            configuration: .init(jobsRoot: host.jobsRoot, owner: host.owner, gracefulShutdownTimeout: .seconds(600)))
        let sandbox = try await manager.create(SandboxRequest(baseVM: base))
        domains.lease(sandbox.mac.description)

        try await manager.destroy(sandbox.name)
        // Polled for the settle time (every 100 ms), not for the 600 s budget: the wait for the
        // network is a best effort, capped.
        #expect(domains.leasePolls > 1)
        #expect(domains.leasePolls <= Int(SandboxManager.releaseSettleTime.components.seconds) * 10 + 1)
        #expect(domains.leasesListedAtDestroy.count == 1)
        #expect(try await host.connection.domain(named: sandbox.name.value) == nil)
    }
}

/// Forwards to `test:///default`, with a guest agent that answers and runs the release script,
/// and a network whose lease table lists ``lease(_:)``'s MAC until `pollsUntilGone` reads after
/// the release (nil: for ever).
final class ReleasingAgentDomains: ForwardingDomains, Sendable {
    struct State {
        var macs: [String] = []
        var released = false
        var pollsAfterRelease = 0
        var polls = 0
        var releases = 0
        var listedAtDestroy: [String]?
    }

    let inner: any DomainManager
    let pollsUntilGone: Int?
    private let state = Mutex(State())

    init(_ inner: any DomainManager, pollsUntilGone: Int?) {
        self.inner = inner
        self.pollsUntilGone = pollsUntilGone
    }

    func lease(_ mac: String) { state.withLock { $0.macs.append(mac) } }
    var releaseScriptsRun: Int { state.withLock { $0.releases } }
    var leasePolls: Int { state.withLock { $0.polls } }
    var leasesListedAtDestroy: [String] { state.withLock { $0.listedAtDestroy ?? ["destroy not called"] } }

    private func listed(_ state: inout State) -> [String] {
        guard state.released, let pollsUntilGone else { return state.macs }
        return state.pollsAfterRelease >= pollsUntilGone ? [] : state.macs
    }

    func networkDHCPLeases(network: String, mac: String?) async throws(SandboxError) -> [NetworkDHCPLease] {
        state.withLock { state in
            if state.released {
                state.polls += 1
                state.pollsAfterRelease += 1
            }
            return listed(&state).map {
                NetworkDHCPLease(mac: $0, ipAddress: "192.168.122.50", prefix: 24, expiryTime: 0, family: .ipv4)
            }
        }
    }

    func destroy(named name: String) async throws(SandboxError) {
        state.withLock { state in state.listedAtDestroy = listed(&state) }
        try await inner.destroy(named: name)
    }

    func agentCommand(named name: String, command: String, timeoutSeconds: Int) async throws(SandboxError) -> String {
        let object = (try? JSONSerialization.jsonObject(with: Data(command.utf8))) as? [String: Any] ?? [:]
        let arguments = object["arguments"] as? [String: Any] ?? [:]
        let value: Any
        switch object["execute"] as? String ?? "" {
        case "guest-exec":
            let script = (arguments["arg"] as? [String])?.last ?? ""
            if script == SandboxManager.releaseLeasesScript {
                state.withLock {
                    $0.released = true
                    $0.releases += 1
                }
            }
            value = ["pid": 9]
        case "guest-exec-status": value = ["exited": true, "exitcode": 0]
        default: value = [String: Any]()
        }
        let data = try? JSONSerialization.data(withJSONObject: ["return": value])
        return String(decoding: data ?? Data(), as: UTF8.self)
    }
}

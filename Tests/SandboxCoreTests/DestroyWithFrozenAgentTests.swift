import Foundation
import SandboxCoreTesting
import Testing

@testable import SandboxCore

/// Destroy must not wait on a guest's agent beyond its budget
/// (``SandboxManager/Configuration/gracefulShutdownTimeout``): the guest decides how long its agent
/// takes, and it may have frozen it. On `test:///default` with an agent that never answers.
@Suite(.timeLimit(.minutes(1)))
struct DestroyWithFrozenAgentTests {
    @Test func destroyGivesUpOnAFrozenAgentAndPullsThePlug() async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        defer { Task { await host.cleanUp(bases: [base]) } }
        let frozen = FrozenAgentDomains(host.connection)
        defer { frozen.thaw() }
        let manager = SandboxManager(
            domains: frozen,
            configuration: .init(
                jobsRoot: host.jobsRoot, owner: host.owner, gracefulShutdownTimeout: .milliseconds(300)))
        let sandbox = try await manager.create(SandboxRequest(baseVM: base))
        #expect(sandbox.state == .running)

        // Returns although the agent never answers (before, it waited for the agent).
        try await manager.destroy(sandbox.name)
        #expect(try await host.connection.domain(named: sandbox.name.value) == nil)
        #expect(host.jobsLeft().isEmpty)
        #expect(frozen.agentCalls >= 1, "destroy did not try the agent")
        // The budget went to the agent; no clean shutdown was asked for with no time left.
        #expect(frozen.shutdowns == 0)
    }

    @Test func withoutAnAgentDestroyStillShutsDownCleanlyFirst() async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        defer { Task { await host.cleanUp(bases: [base]) } }
        let counting = FrozenAgentDomains(host.connection, frozen: false)
        let manager = SandboxManager(
            domains: counting,
            configuration: .init(jobsRoot: host.jobsRoot, owner: host.owner, gracefulShutdownTimeout: .seconds(30)))
        let sandbox = try await manager.create(SandboxRequest(baseVM: base))
        try await manager.destroy(sandbox.name)
        #expect(try await host.connection.domain(named: sandbox.name.value) == nil)
        #expect(counting.shutdowns == 1)
    }
}

/// Forwards to a real connection; its guest agent calls hang until ``thaw()`` (a guest that sent
/// its qemu-guest-agent `SIGSTOP`), ignoring cancellation as a blocked libvirt call does, or, when
/// not `frozen`, go to the connection (the test driver has no agent: they fail at once).
final class FrozenAgentDomains: ForwardingDomains, @unchecked Sendable {
    let inner: any DomainManager
    private let frozen: Bool
    private let gate: AsyncStream<Never>
    private let opener: AsyncStream<Never>.Continuation
    private let lock = NSLock()
    private var agentCallCount = 0
    private var shutdownCount = 0

    init(_ inner: any DomainManager, frozen: Bool = true) {
        self.inner = inner
        self.frozen = frozen
        (gate, opener) = AsyncStream.makeStream(of: Never.self)
    }

    var agentCalls: Int { lock.withLock { agentCallCount } }
    var shutdowns: Int { lock.withLock { shutdownCount } }

    /// Lets the hung agent calls fail.
    func thaw() { opener.finish() }

    func agentCommand(named name: String, command: String, timeoutSeconds: Int) async throws(SandboxError) -> String {
        lock.withLock { agentCallCount += 1 }
        guard frozen else {
            return try await inner.agentCommand(named: name, command: command, timeoutSeconds: timeoutSeconds)
        }
        // Not `for await`: that ends on cancellation, and a blocked libvirt call does not.
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Task.detached { [gate] in
                for await _ in gate {}
                continuation.resume()
            }
        }
        throw SandboxError(.agentUnavailable, "the guest agent of \(name) was frozen")
    }

    func shutdown(named name: String) async throws(SandboxError) {
        lock.withLock { shutdownCount += 1 }
        try await inner.shutdown(named: name)
    }
}

import Foundation
import Testing

@testable import SandboxCore
@testable import SandboxLibvirt

/// Guest agent calls apart from lifecycle calls (``GuestAgentChannel``), on `test:///default`,
/// whose driver has no agent: a call fails at once with `.agentUnavailable`. A frozen agent is
/// played by the channel's `beforeCall` hook, which blocks the call's thread until released.
@Suite(.timeLimit(.minutes(1)))
struct GuestAgentChannelTests {
    static let uri = "test:///default"
    static let ping = #"{"execute":"guest-ping"}"#

    @Test func agentCallsRunOnTheChannelsThreadsNotTheConnections() async throws {
        let connection = try await LibvirtConnection(uri: Self.uri)
        let seen = Recorder<(name: String, thread: UInt)>()
        connection.agentChannel.beforeCall = { _ in seen.append((currentThreadName(), UInt(pthread_self()))) }
        let error = await #expect(throws: SandboxError.self) {
            try await connection.agentCommand(named: "test", command: Self.ping, timeoutSeconds: 1)
        }
        #expect(error?.code == .agentUnavailable)
        #expect(error?.underlying?.operation == "virDomainQemuAgentCommand")
        _ = try? await connection.interfaceAddresses(named: "test", source: .agent)
        let lifecycle = await connection.debugExecutionContext()
        let calls = seen.values
        #expect(calls.count == 2)
        for call in calls {
            #expect(call.name == GuestAgentChannel.threadName)
            #expect(call.thread != lifecycle.threadID)
            #expect(call.thread != UInt(pthread_self()))
        }
        await connection.close()
    }

    @Test func lifecycleCallsAnswerWhileAnAgentCallIsFrozen() async throws {
        let connection = try await LibvirtConnection(uri: Self.uri)
        let frozen = Gate()
        defer { frozen.open() }
        let (entered, enteredContinuation) = AsyncStream.makeStream(of: String.self)
        connection.agentChannel.beforeCall = { domain in
            enteredContinuation.yield(domain)
            if domain == "test" { frozen.wait() }
        }
        let hung = Task {
            try await connection.agentCommand(named: "test", command: Self.ping, timeoutSeconds: 60)
        }
        var calls = entered.makeAsyncIterator()
        #expect(await calls.next() == "test")
        // The agent call to "test" holds a channel thread; the connection's own calls still answer.
        let domains = try await connection.listDomains()
        #expect(domains.contains { $0.name == "test" })
        #expect(try await connection.domain(named: "test")?.state == .running)
        #expect(try await connection.state(named: "test") == .running)
        // …and so do other domains' agent calls (this one is not defined: libvirt says so).
        let other = "sbx-agent-other-\(UUID().uuidString.prefix(8).lowercased())"
        let otherError = await #expect(throws: SandboxError.self) {
            try await connection.agentCommand(named: other, command: Self.ping, timeoutSeconds: 1)
        }
        #expect(otherError?.code == .notFound)
        #expect(await calls.next() == other)
        #expect(await Self.settles(connection.agentChannel, at: 1))
        frozen.open()
        let result = await hung.result
        #expect((result.error as? SandboxError)?.code == .agentUnavailable)
        await connection.close()
    }

    @Test func aFrozenDomainHoldsOneThreadAndQueuesItsOwnCalls() async throws {
        let channel = GuestAgentChannel(uri: Self.uri, threadLimit: 2, logger: .init(label: "test"))
        let frozen = Gate()
        defer { frozen.open() }
        let (entered, enteredContinuation) = AsyncStream.makeStream(of: String.self)
        channel.beforeCall = { domain in
            enteredContinuation.yield(domain)
            if domain == "test" { frozen.wait() }
        }
        // Three calls to the frozen domain, then calls to others: one thread stays free for those.
        let toFrozen = (0..<3).map { _ in Task { try await Self.nameOf("test", through: channel) } }
        var calls = entered.makeAsyncIterator()
        #expect(await calls.next() == "test")
        for other in ["other-a", "other-b", "other-c"] {
            let error = await #expect(throws: SandboxError.self) { try await Self.nameOf(other, through: channel) }
            #expect(error?.code == .notFound)
            #expect(await calls.next() == other)
        }
        #expect(await Self.settles(channel, at: 1))
        frozen.open()
        // The queued calls to the domain run one after another once it answers.
        for task in toFrozen { #expect(try await task.value == "test") }
        #expect(await calls.next() == "test")
        #expect(await calls.next() == "test")
        channel.close()
    }

    @Test func frozenAndQueuedCallsEndAtTheirDeadline() async throws {
        let channel = GuestAgentChannel(uri: Self.uri, threadLimit: 1, logger: .init(label: "test"))
        channel.deadlineGrace = .milliseconds(200)
        let frozen = Gate()
        defer { frozen.open() }
        let (entered, enteredContinuation) = AsyncStream.makeStream(of: String.self)
        channel.beforeCall = { domain in
            enteredContinuation.yield(domain)
            frozen.wait()
        }
        var calls = entered.makeAsyncIterator()
        let late = await #expect(throws: SandboxError.self) {
            try await channel.run(domain: "test", timeoutSeconds: 0, "ping") { _ throws(SandboxError) in 1 }
        }
        #expect(late?.code == .agentUnavailable, "\(String(describing: late))")
        #expect(await calls.next() == "test")
        // The one thread is still held: a new call queues and ends at its deadline too, also in a
        // cancelled task (cancellation does not cut calls short: a cancelled exec still kills).
        let queued = Task {
            try await channel.run(domain: "other", timeoutSeconds: 0, "ping") { _ throws(SandboxError) in 2 }
        }
        queued.cancel()
        #expect((await queued.result.error as? SandboxError)?.code == .agentUnavailable)
        #expect(channel.runningCount == 1)
        frozen.open()
        channel.close()
        let closed = await #expect(throws: SandboxError.self) {
            try await channel.run(domain: "test", timeoutSeconds: 0, "ping") { _ throws(SandboxError) in 3 }
        }
        #expect(closed?.code == .libvirt)
    }

    @Test func closingTheConnectionClosesItsChannel() async throws {
        let connection = try await LibvirtConnection(uri: Self.uri)
        await connection.close()
        let error = await #expect(throws: SandboxError.self) {
            try await connection.agentCommand(named: "test", command: Self.ping, timeoutSeconds: 1)
        }
        #expect(error?.code == .libvirt)
    }

    // MARK: - Helpers

    /// Whether the channel comes to run `count` calls (a finished call's thread lets go of its
    /// slot just after its caller has its answer).
    static func settles(_ channel: GuestAgentChannel, at count: Int) async -> Bool {
        for _ in 0..<5000 {
            if channel.runningCount == count { return true }
            try? await Task.sleep(for: .milliseconds(1))
        }
        return false
    }

    /// `domain`, once the channel has looked it up on its connection (`.notFound` if it is not there).
    static func nameOf(_ domain: String, through channel: GuestAgentChannel) async throws(SandboxError) -> String {
        try await channel.run(domain: domain, timeoutSeconds: 30, "look up \(domain)") { _ throws(SandboxError) in
            domain
        }
    }
}

/// A door threads wait at until a test opens it.
final class Gate: @unchecked Sendable {
    private let condition = NSCondition()
    private var isOpen = false

    func wait() {
        condition.lock()
        while !isOpen { condition.wait() }
        condition.unlock()
    }

    func open() {
        condition.lock()
        isOpen = true
        condition.broadcast()
        condition.unlock()
    }
}

/// Values appended from any thread.
final class Recorder<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [Value] = []

    func append(_ value: Value) { lock.withLock { stored.append(value) } }
    var values: [Value] { lock.withLock { stored } }
}

extension Result {
    var error: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}

import Foundation
import SandboxCoreTesting
import Testing

@testable import SandboxCore

/// Files and agent availability against a fake qemu-ga.
@Suite struct GuestAgentFilesTests {
    static func random(_ count: Int) -> Data { Data((0..<count).map { _ in UInt8.random(in: 0...255) }) }

    @Test func writtenFilesReadBackIdentical() async throws {
        let agent = FakeGuestAgent()
        let client = GuestAgentClient(domains: agent, domain: "sbx")
        let contents = Self.random(1_300_000)  // several chunks
        try await client.writeFile("/tmp/blob", contents: contents)
        #expect(await agent.files["/tmp/blob"] == contents)
        let chunks = (contents.count + GuestAgentClient.writeChunkSize - 1) / GuestAgentClient.writeChunkSize
        #expect(await agent.commands.filter { $0 == "guest-file-write" }.count == chunks)
        #expect(try await client.readFile("/tmp/blob") == contents)
        #expect(await agent.openFiles.isEmpty)
        try await client.writeFile("/tmp/empty", contents: Data())
        #expect(try await client.readFile("/tmp/empty") == Data())
    }

    @Test func modeIsSetWithChmod() async throws {
        let agent = FakeGuestAgent()
        let client = GuestAgentClient(domains: agent, domain: "sbx")
        try await client.writeFile("/tmp/script", contents: Data("#!/bin/sh\n".utf8), mode: 0o755)
        #expect(await agent.chmods == [["755", "--", "/tmp/script"]])
        await #expect(throws: SandboxError.self) {
            try await client.writeFile("/tmp/x", contents: Data(), mode: 0o17777)
        }
    }

    @Test func missingFilesAreNil() async throws {
        let agent = FakeGuestAgent()
        #expect(try await GuestAgentClient(domains: agent, domain: "sbx").readFile("/nope") == nil)
    }

    @Test func readingMoreThanMaxBytesIsTooLargeAndClosesTheHandle() async throws {
        let agent = FakeGuestAgent()
        await agent.setFile("/var/log/big", Data(count: 1000))
        let client = GuestAgentClient(domains: agent, domain: "sbx")
        let error = await #expect(throws: SandboxError.self) {
            try await client.readFile("/var/log/big", maxBytes: 999)
        }
        #expect(error?.code == .tooLarge)
        #expect(await agent.openFiles.isEmpty)
        #expect(try await client.readFile("/var/log/big", maxBytes: 1000)?.count == 1000)
    }

    @Test func handlesAreClosedWhenAReadOrWriteFails() async throws {
        let agent = FakeGuestAgent()
        await agent.setFile("/etc/hosts", Data("127.0.0.1 localhost\n".utf8))
        await agent.setFailing(["guest-file-read", "guest-file-write"])
        let client = GuestAgentClient(domains: agent, domain: "sbx")
        await #expect(throws: SandboxError.self) { try await client.readFile("/etc/hosts") }
        await #expect(throws: SandboxError.self) { try await client.writeFile("/tmp/x", contents: Data(count: 10)) }
        #expect(await agent.openFiles.isEmpty)
        #expect(await agent.commands.filter { $0 == "guest-file-close" }.count == 2)
    }

    // MARK: - Agent availability

    static func libvirtError(_ code: Int, _ message: String) -> SandboxError {
        SandboxError(
            .agentUnavailable, "could not run a guest agent command: \(message)",
            underlying: .init(operation: "virDomainQemuAgentCommand", code: code, domain: 10, message: message))
    }
    static let notConfigured = libvirtError(74, "argument unsupported: QEMU guest agent is not configured")
    static let notConnected = libvirtError(86, "Guest agent is not responding: QEMU guest agent is not connected")
    static let notRunning = libvirtError(55, "Requested operation is not valid: domain is not running")

    @Test(arguments: [
        (notConfigured, AgentAvailability.notConfigured, "no guest agent"),
        (notConnected, .notConnected, "not connected"),
        (notRunning, .notRunning, "is not running"),
    ])
    func anUnreachableAgentSaysWhy(error: SandboxError, reason: AgentAvailability, phrase: String) async throws {
        let agent = FakeGuestAgent()
        await agent.setUnavailable(error)
        let client = GuestAgentClient(domains: agent, domain: "sbx")
        let thrown = await #expect(throws: SandboxError.self) { try await client.exec("/bin/true") }
        #expect(thrown?.code == .agentUnavailable)
        #expect(thrown?.message.contains(phrase) == true, "\(String(describing: thrown))")
        #expect(thrown?.underlying == error.underlying)
        #expect(thrown.flatMap(AgentAvailability.init) == reason)
        #expect(AgentAvailability(SandboxError(.io, "disk full")) == nil)
    }

    @Test func waitForAgentFailsAtOnceWithoutAChannel() async throws {
        let agent = FakeGuestAgent()
        await agent.setUnavailable(Self.notConfigured)
        let clock = ContinuousClock()
        let start = clock.now
        let error = await #expect(throws: SandboxError.self) {
            try await GuestAgentClient(domains: agent, domain: "sbx").waitForAgent(timeout: .seconds(30))
        }
        #expect(error?.code == .agentUnavailable)
        #expect(clock.now - start < .seconds(5))
    }

    @Test func waitForAgentTimesOutWhileItIsNotConnected() async throws {
        let agent = FakeGuestAgent()
        await agent.setUnavailable(Self.notConnected)
        let error = await #expect(throws: SandboxError.self) {
            try await GuestAgentClient(domains: agent, domain: "sbx").waitForAgent(
                timeout: .milliseconds(300), interval: .milliseconds(50))
        }
        #expect(error?.code == .timeout)
        #expect(error?.underlying?.code == 86)
    }

    @Test func waitForAgentReturnsOnceItAnswers() async throws {
        let agent = FakeGuestAgent()
        await agent.setUnavailable(Self.notConnected, forCommands: 3)
        try await GuestAgentClient(domains: agent, domain: "sbx").waitForAgent(
            timeout: .seconds(60), interval: .milliseconds(10))
        #expect(await agent.commands.count == 1)  // the three failed pings threw before being recorded
    }
}

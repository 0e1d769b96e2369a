import Foundation
import Testing

@testable import SandboxCore

/// SandboxManager's address API on the test driver (which reports a synthetic lease address).
@Suite struct SandboxDiscoveryTests {
    @Test func createCanWaitForTheAddressAndAskLater() async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        defer { Task { await host.cleanUp(bases: [base]) } }
        let manager = host.manager()
        let sandbox = try await manager.create(
            SandboxRequest(baseVM: base, name: try SandboxName("sbx-ip"), waitForIP: true, ipTimeout: .seconds(30)))
        let address = try #require(sandbox.ipAddress)
        #expect(address.split(separator: ".").count == 4)
        #expect(try await manager.ipAddress(of: sandbox.name)?.address == address)
        #expect(try await manager.waitForIP(of: sandbox.name).address == address)
        let diagnosis = try await manager.diagnose(sandbox.name)
        #expect(diagnosis.verdict.stage == .addressFound)
        try await manager.destroy(sandbox.name)
    }

    @Test func timeoutScalesForEmulation() async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        defer { Task { await host.cleanUp(bases: [base]) } }
        let manager = host.manager()
        let sandbox = try await manager.create(
            SandboxRequest(baseVM: base, name: try SandboxName("sbx-tcg"), autoStart: false))
        let effective = try await manager.effectiveTimeout(of: sandbox.name)
        // The base is type 'test', so the sandbox is rendered as 'qemu' (TCG): 2 min × 3.
        #expect(effective.duration == .seconds(360))
        #expect(!effective.reasons.isEmpty)
        try await manager.destroy(sandbox.name)
    }

    @Test func waitingOnAStoppedSandboxFailsFastWithADiagnosis() async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        defer { Task { await host.cleanUp(bases: [base]) } }
        let manager = host.manager()
        let sandbox = try await manager.create(
            SandboxRequest(baseVM: base, name: try SandboxName("sbx-off"), autoStart: false))
        do {
            _ = try await manager.waitForIP(of: sandbox.name, timeout: .milliseconds(300))
            Issue.record("a shut-off sandbox has no address")
        } catch {
            #expect(error.code == .notRunning || error.code == .timeout)
            #expect(error.diagnosis?.verdict.stage == .notRunning)
        }
        #expect(try await manager.ipAddress(of: sandbox.name) == nil)
        try await manager.destroy(sandbox.name)
    }

    @Test func waitWithoutStartIsBadInput() async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        defer { Task { await host.cleanUp(bases: [base]) } }
        do {
            _ = try await host.manager().create(SandboxRequest(baseVM: base, autoStart: false, waitForIP: true))
            Issue.record("must fail")
        } catch {
            #expect(error.code == .invalidArgument)
        }
        #expect(host.jobsLeft().isEmpty)
    }
}

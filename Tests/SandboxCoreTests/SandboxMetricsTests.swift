import Foundation
import MetricsTestKit
import Synchronization
import Testing

@testable import SandboxCore

@Suite struct SandboxMetricsTests {
    @Test func createWaitAndDestroyAreCounted() async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        defer { Task { await host.cleanUp(bases: [base]) } }
        let metrics = TestMetrics()
        let manager = SandboxManager(
            domains: host.connection, configuration: .init(jobsRoot: host.jobsRoot, owner: host.owner),
            metrics: SandboxMetrics(factory: metrics))
        let name = try SandboxName("sbx-metrics-" + UUID().uuidString.prefix(6).lowercased())
        let stages = StageLog()

        _ = try await manager.create(
            SandboxRequest(baseVM: base, name: name, waitForIP: true), progress: { stages.append($0) })
        await #expect(throws: SandboxError.self) {
            try await manager.create(SandboxRequest(baseVM: base, name: name))
        }
        try await manager.destroy(name)

        #expect(metrics.counterTotal(label: "sandbox_creates_total", dimensions: [("result", "ok")]) == 1)
        #expect(metrics.counterTotal(label: "sandbox_creates_total", dimensions: [("result", "failed")]) == 1)
        #expect(metrics.counterTotal(label: "sandbox_destroys_total", dimensions: [("result", "ok")]) == 1)
        #expect(try metrics.expectTimer("sandbox_prepare_seconds").values.count == 1)
        #expect(try metrics.expectTimer("sandbox_boot_to_ip_seconds").values.count == 1)
        #expect(try metrics.expectTimer("sandbox_ip_wait_seconds", [("result", "ok")]).values.count == 1)
        #expect(stages.stages == [.base, .jobFolder, .overlay, .seed, .define, .start, .ip])
    }

    @Test func aFailedWaitIsCountedButNotAsATimeout() async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        defer { Task { await host.cleanUp(bases: [base]) } }
        let metrics = TestMetrics()
        let manager = SandboxManager(
            domains: host.connection, configuration: .init(jobsRoot: host.jobsRoot, owner: host.owner),
            metrics: SandboxMetrics(factory: metrics, prefix: "x_"))
        let sandbox = try await manager.create(SandboxRequest(baseVM: base, autoStart: false))
        defer { Task { try? await manager.destroy(sandbox.name) } }
        // A shut-off sandbox never gets an address: the wait ends with notRunning, not a timeout.
        await #expect(throws: SandboxError.self) {
            try await manager.waitForIP(of: sandbox.name, timeout: .milliseconds(200))
        }
        #expect(try metrics.expectTimer("x_sandbox_ip_wait_seconds", [("result", "failed")]).values.count == 1)
        #expect(metrics.counterTotal(label: "x_sandbox_ip_timeouts_total") == 0)
    }
}

/// Collects the finished stages a create reports.
final class StageLog: Sendable {
    private let log = Mutex<[CreateStage]>([])
    var stages: [CreateStage] { log.withLock { $0 } }
    func append(_ progress: CreateProgress) {
        if case .stage(let stage, _) = progress { log.withLock { $0.append(stage) } }
    }
}

import SandboxCoreTesting
import Testing

@testable import SandboxCore

/// A ``SandboxHandle`` acts on its one sandbox: the same answers as the manager's calls by name.
@Suite struct SandboxHandleTests {
    @Test func aHandleDiagnosesAndDestroysItsSandbox() async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        let manager = host.manager()
        let sandbox = try await manager.create(SandboxRequest(baseVM: base))
        let handle = manager.handle(for: sandbox)
        #expect(handle.name == sandbox.name)
        let target = try await handle.discoveryTarget()
        #expect(target.mac == sandbox.mac)
        #expect(target.jobDirectory == sandbox.jobDirectory)
        #expect(target.virtType == "qemu")  // what the domain was defined as
        #expect(try await handle.ipAddress() == manager.ipAddress(of: sandbox.name))
        let diagnosis = try await handle.diagnose()
        #expect(diagnosis.state == .running)
        try await handle.destroy()
        #expect(try await host.connection.domain(named: sandbox.name.value) == nil)
        await #expect(throws: SandboxError.self) { try await manager.handle(named: sandbox.name).ipAddress() }
        #expect(host.jobsLeft().isEmpty)
        await host.cleanUp(bases: [base])
    }
}

import Foundation
import Testing

@testable import SandboxCore

@Suite struct PreflightTests {
    func finding(_ report: PreflightReport, _ check: String) -> PreflightReport.Finding? {
        report.findings.first { $0.check == check }
    }

    @Test func aGoodBasePassesAndNamesItsTimeout() async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        defer { Task { await host.cleanUp(bases: [base]) } }
        let report = try await host.manager().validateBase(base)
        #expect(report.passed, "\(report.report)")
        #expect(finding(report, "base-state")?.severity == .info)
        #expect(finding(report, "disk")?.message.contains("raw, 16 MiB") == true, "\(report.report)")
        #expect(report.effectiveTimeout != nil)
        #expect(host.jobsLeft().isEmpty)
    }

    @Test func aRunningBaseAndAWrongDiskFormatAreErrors() async throws {
        let host = try await TestHost.make()
        let running = try await host.makeBase()
        let mislabelled = try await host.makeBase(diskFormat: "qcow2")
        defer { Task { await host.cleanUp(bases: [running, mislabelled]) } }
        try await host.connection.start(named: running)
        let manager = host.manager()

        let first = try await manager.validateBase(running)
        #expect(!first.passed)
        #expect(finding(first, "base-state")?.severity == .error)
        #expect(finding(first, "base-state")?.fix?.contains("virsh shutdown") == true)

        let second = try await manager.validateBase(mislabelled)
        #expect(!second.passed)
        #expect(finding(second, "disk-format")?.message.contains("is raw") == true, "\(second.report)")
        #expect(second.report.contains("[error] disk-format"))
    }

    @Test func aMissingDiskFileIsAnErrorAndAMissingBaseIsNotFound() async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        defer { Task { await host.cleanUp(bases: [base]) } }
        try FileManager.default.removeItem(atPath: host.folder.file("\(base).img"))
        let report = try await host.manager().validateBase(base)
        #expect(!report.passed)
        #expect(finding(report, "disk")?.severity == .error)

        await #expect(throws: SandboxError.self) { try await host.manager().validateBase("no-such-base") }
        await #expect(throws: SandboxError.self) { try await host.manager().validateBase("bad\nname") }
    }
}

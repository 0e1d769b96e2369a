import Foundation
import Testing

@testable import SandboxCore

/// `reconcile()` on the test driver: creates stopped at each stage with their creator "dead"
/// (the record names a process that has exited) are removed completely; complete sandboxes stay.
@Suite struct ReconcileTests {
    /// The PID of a process that has exited.
    static func deadPID() throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        return process.processIdentifier
    }

    /// Signals once, when a create reaches its stage.
    final class StageLatch: @unchecked Sendable {
        private let lock = NSLock()
        private var continuation: CheckedContinuation<Void, Never>?
        private var reached = false

        func signal() {
            lock.withLock {
                reached = true
                continuation?.resume()
                continuation = nil
            }
        }

        func wait() async {
            await withCheckedContinuation { continuation in
                lock.withLock {
                    if reached { continuation.resume() } else { self.continuation = continuation }
                }
            }
        }
    }

    @Test(arguments: CreateStage.checkpoints) func aCreateKilledAtAStageLeavesNothingAfterReconcile(
        _ stage: CreateStage
    ) async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        defer { Task { await host.cleanUp(bases: [base]) } }
        let name = try SandboxName("sbx-killed-\(stage.rawValue)")
        let before = try await HostSnapshot.take(folder: host.folder.path, manager: host.manager(), names: [name.value])
        let dead = try Self.deadPID()
        let creating = host.manager()
        let latch = StageLatch()
        let owner = host.owner
        await creating.setCreateStageObserver { reached, name in
            guard reached == stage else { return }
            // As if the creating process had been killed here: its record names a dead process.
            let folder = host.jobsRoot + "/" + name.value
            try? CreationRecord(owner: owner, host: CreationRecord.hostName(), pid: dead, processStart: nil)
                .write(in: folder)
            latch.signal()
            try? await Task.sleep(for: .seconds(3600))
        }
        let stuck = Task { try await creating.create(SandboxRequest(baseVM: base, name: name, autoStart: false)) }
        await latch.wait()

        let report = try await host.manager().reconcile()
        #expect(report.removedJobFolders == [host.jobsRoot + "/" + name.value], "\(report)")
        #expect(report.removedDomains == (stage == .define ? [name.value] : []), "\(report)")
        #expect(report.failures.isEmpty)
        let after = try await HostSnapshot.take(folder: host.folder.path, manager: host.manager(), names: [name.value])
        #expect(after.files == before.files + ["jobs"], "\(after)")
        #expect(try await host.connection.domain(named: name.value) == nil)
        // A second run finds nothing.
        #expect(try await host.manager().reconcile().removedNothing)

        stuck.cancel()
        _ = await stuck.result
        #expect(host.jobsLeft().isEmpty)
    }

    /// A create killed after its define had already reserved an address on the network: reconcile
    /// removes the reservation with the domain, so the address is free for the next create.
    @Test func aKilledCreatesDHCPReservationGoesWithItsDomain() async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        defer { Task { await host.cleanUp(bases: [base]) } }
        let name = try SandboxName("sbx-killed-reserved")
        let address = try IPAddress(parsing: "192.168.122.217")
        let dead = try Self.deadPID()
        let creating = host.manager()
        let latch = StageLatch()
        let owner = host.owner
        await creating.setCreateStageObserver { reached, name in
            guard reached == .define else { return }
            try? CreationRecord(owner: owner, host: CreationRecord.hostName(), pid: dead, processStart: nil)
                .write(in: host.jobsRoot + "/" + name.value)
            latch.signal()
            try? await Task.sleep(for: .seconds(3600))
        }
        var request = SandboxRequest(baseVM: base, name: name, autoStart: false)
        request.nics = [SandboxNIC(reservedIPv4: address)]
        let stuck = Task { try await creating.create(request) }
        await latch.wait()
        func reserved() async throws -> [String] {
            SandboxManager.dhcpHostEntries(in: try await host.connection.networkXML(named: "default"), ip: address)
        }
        #expect(try await reserved().count == 1)

        let report = try await host.manager().reconcile()
        #expect(report.removedDomains == [name.value], "\(report)")
        #expect(report.removedDHCPReservations.count == 1, "\(report)")
        #expect(report.removedDHCPReservations.first?.contains("192.168.122.217") == true, "\(report)")
        #expect(try await reserved().isEmpty)
        #expect(report.failures.isEmpty, "\(report)")

        // The address can be reserved again.
        stuck.cancel()
        _ = await stuck.result
        var again = SandboxRequest(baseVM: base, name: try SandboxName("sbx-reserved-again"), autoStart: false)
        again.nics = [SandboxNIC(reservedIPv4: address)]
        let made = try await host.manager().create(again)
        try await host.manager().destroy(made.name)
        #expect(try await reserved().isEmpty)
    }

    @Test func completeSandboxesAreKeptAndTheirStrayTemporaryFilesRemoved() async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        defer { Task { await host.cleanUp(bases: [base]) } }
        let manager = host.manager()
        let sandbox = try await manager.create(
            SandboxRequest(baseVM: base, name: try SandboxName("sbx-whole-\(host.owner)"), autoStart: false))
        #expect(!FileManager.default.fileExists(atPath: CreationRecord.path(in: sandbox.jobDirectory)))
        let stray = sandbox.jobDirectory + "/.cloud-init.iso.tmp-abc123"
        #expect(FileManager.default.createFile(atPath: stray, contents: Data([1, 2, 3])))

        // A creation record of a process that still runs (this one) is left alone.
        let live = host.jobsRoot + "/sbx-live"
        try FileManager.default.createDirectory(atPath: live, withIntermediateDirectories: false)
        try CreationRecord.current(owner: host.owner).write(in: live)
        // So is a fresh folder without a record (another process between mkdir and its record) …
        try FileManager.default.createDirectory(
            atPath: host.jobsRoot + "/sbx-fresh", withIntermediateDirectories: false)
        // … and one of another owner.
        let foreign = host.jobsRoot + "/sbx-foreign"
        try FileManager.default.createDirectory(atPath: foreign, withIntermediateDirectories: false)
        try CreationRecord(owner: "someone-else", host: CreationRecord.hostName(), pid: try Self.deadPID())
            .write(in: foreign)
        // A domain of this owner whose job folder is gone is removed.
        let orphan = try await manager.create(
            SandboxRequest(baseVM: base, name: try SandboxName("sbx-orphan-\(host.owner)"), autoStart: true))
        try FileManager.default.removeItem(atPath: orphan.jobDirectory)
        // A domain of another owner is never touched, even with its folder gone.
        let other = try await host.manager(owner: "other-owner").create(
            SandboxRequest(baseVM: base, name: try SandboxName("sbx-other-\(host.owner)"), autoStart: false))
        try FileManager.default.removeItem(atPath: other.jobDirectory)

        let report = try await manager.reconcile()
        #expect(report.adopted == [sandbox.name.value])
        #expect(report.removedTemporaryFiles == [stray])
        #expect(report.removedDomains == [orphan.name.value])
        #expect(report.removedJobFolders.isEmpty, "\(report)")
        #expect(report.skipped.count == 3, "\(report.skipped)")
        #expect(report.failures.isEmpty)
        #expect(FileManager.default.fileExists(atPath: sandbox.overlayPath))
        #expect(try await host.connection.domain(named: sandbox.name.value) != nil)
        #expect(try await host.connection.domain(named: orphan.name.value) == nil)
        #expect(try await host.connection.domain(named: other.name.value) != nil)
        #expect(Set(host.jobsLeft()) == [sandbox.name.value, "sbx-live", "sbx-fresh", "sbx-foreign"])

        try await manager.destroy(sandbox.name)
        try await host.manager(owner: "other-owner").destroy(other.name)
    }
}

import Foundation
import Testing

@testable import SandboxCore

/// Many creates and destroys at once on the test driver: the name lock holds and nothing leaks.
@Suite struct ConcurrencyTests {
    /// 20 creates of one name, through one manager or through 20 managers sharing the jobs folder
    /// (the cross-process case: only `mkdir` and libvirt stand between them).
    @Test(arguments: [false, true]) func twentyCreatesOfOneNameMakeExactlyOne(separateManagers: Bool) async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        defer { Task { await host.cleanUp(bases: [base]) } }
        let shared = host.manager()
        let name = try SandboxName("sbx-race-" + UUID().uuidString.prefix(8).lowercased())
        let results = await withTaskGroup(of: Result<Sandbox, SandboxError>.self) { group in
            for _ in 0..<20 {
                let manager = separateManagers ? host.manager() : shared
                group.addTask {
                    do throws(SandboxError) {
                        return .success(try await manager.create(SandboxRequest(baseVM: base, name: name)))
                    } catch {
                        return .failure(error)
                    }
                }
            }
            var all: [Result<Sandbox, SandboxError>] = []
            for await result in group { all.append(result) }
            return all
        }
        let made = results.compactMap { try? $0.get() }
        let errors = results.compactMap { result -> SandboxError? in
            if case .failure(let error) = result { return error }
            return nil
        }
        #expect(made.count == 1)
        #expect(errors.count == 19)
        #expect(errors.allSatisfy { $0.code == .nameTaken }, "\(errors.filter { $0.code != .nameTaken })")
        // The winner is whole: its job folder holds exactly its files, no creation record.
        let files = Set(HostSnapshot.listFiles(under: host.jobsRoot + "/" + name.value))
        #expect(files == ["disk.qcow2", "cloud-init.iso", "meta-data", "user-data", "network-config"], "\(files)")
        #expect(try await shared.list().map(\.name) == [name.value])
        try await shared.destroy(name)
        #expect(host.jobsLeft().isEmpty, "\(host.jobsLeft())")
        #expect(try await host.connection.domain(named: name.value) == nil)
        #expect(try await shared.list().isEmpty)
    }

    @Test func fiftyConcurrentCreatesAndDestroysLeakNothing() async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        defer { Task { await host.cleanUp(bases: [base]) } }
        let manager = host.manager()
        let domainsBefore = Set(try await host.connection.listDomains().map(\.name))
        let failures = await withTaskGroup(of: SandboxError?.self) { group in
            for index in 0..<50 {
                group.addTask {
                    do throws(SandboxError) {
                        // Every other one generates its name; odd ones start their domain.
                        let name = index % 2 == 0 ? nil : try SandboxName("sbx-many-\(index)-\(host.owner)")
                        let sandbox = try await manager.create(
                            SandboxRequest(baseVM: base, name: name, autoStart: index % 4 < 2))
                        try await manager.destroy(sandbox.name)
                        return nil
                    } catch {
                        return error
                    }
                }
            }
            var all: [SandboxError] = []
            for await case let failure? in group { all.append(failure) }
            return all
        }
        #expect(failures.isEmpty, "\(failures)")
        #expect(host.jobsLeft().isEmpty, "\(host.jobsLeft())")
        #expect(try await manager.list().isEmpty)
        let domainsAfter = Set(try await host.connection.listDomains().map(\.name))
        let leaked = domainsAfter.subtracting(domainsBefore).filter { $0.hasPrefix("sbx-") }
        // Other suites run in parallel on the same test driver; only names of this host's owner count.
        #expect(leaked.filter { $0.contains(host.owner) }.isEmpty, "\(leaked)")
        #expect(try await manager.reconcile().removedNothing)
    }
}

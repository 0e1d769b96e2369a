import Foundation
import FoundationXML
import SandboxCoreTesting
import Testing

@testable import SandboxCore

@Suite struct SandboxManagerTests {
    func expectError(_ code: SandboxError.Code, _ body: () async throws -> Void) async {
        do {
            try await body()
            Issue.record("expected \(code), got success")
        } catch {
            #expect((error as? SandboxError)?.code == code, "\(error)")
        }
    }

    func expectNothingLeft(_ host: TestHost, name: String) async throws {
        #expect(try await host.connection.domain(named: name) == nil)
        #expect(host.jobsLeft().isEmpty, "\(host.jobsLeft())")
    }

    @Test func createListDestroy() async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        defer { Task { await host.cleanUp(bases: [base]) } }
        let manager = host.manager()

        let sandbox = try await manager.create(
            SandboxRequest(baseVM: base, name: try SandboxName("sbx-life"), agentID: "agent-1"))
        #expect(sandbox.state == .running)
        #expect(sandbox.jobDirectory == host.jobsRoot + "/sbx-life")

        // The overlay is a qcow2 backed by the base's disk.
        let overlay = try DiskImage.inspect(path: sandbox.overlayPath)
        #expect(overlay.format == .qcow2)
        #expect(overlay.virtualSize == 16 << 20)
        if ExternalTool.exists("/usr/bin/qemu-img") {
            let info = try ExternalTool.run("/usr/bin/qemu-img", ["info", "--output=json", sandbox.overlayPath])
            #expect(info.stdout.contains("\"backing-filename\": \"\(host.folder.file("\(base).img"))\""))
            #expect(info.stdout.contains("\"backing-filename-format\": \"raw\""))
        }
        // Its own seed: instance-id = its name, network-config matches its MAC.
        let metaData = try String(contentsOfFile: sandbox.jobDirectory + "/meta-data", encoding: .utf8)
        #expect(metaData.contains("instance-id: \"sbx-life\""))
        let network = try String(contentsOfFile: sandbox.jobDirectory + "/network-config", encoding: .utf8)
        #expect(network.contains(sandbox.mac.description))
        #expect(FileManager.default.fileExists(atPath: sandbox.seedISOPath))

        // The domain inherits from the base and uses the sandbox's files.
        let xml = try await host.connection.domainXML(named: "sbx-life", inactive: true)
        let root = try #require(try XMLDocument(xmlString: xml, options: []).rootElement())
        func value(_ path: String) throws -> String? { try root.nodes(forXPath: path).first?.stringValue }
        #expect(try value("/domain/memory") == "524288")
        #expect(try value("/domain/vcpu") == "2")
        #expect(try value("/domain/os/kernel") == "/boot/vmlinuz")
        #expect(try value("/domain/devices/disk[@device='disk']/source/@file") == sandbox.overlayPath)
        #expect(try value("/domain/devices/disk[@device='cdrom']/source/@file") == sandbox.seedISOPath)
        #expect(try value("/domain/devices/interface/mac/@address") == sandbox.mac.description)
        #expect(try value("/domain/devices/interface/source/@network") == "default")

        let listed = try await manager.list()
        #expect(listed.map(\.name) == ["sbx-life"])
        #expect(listed.first?.state == .running)
        #expect(listed.first?.baseVM == base)
        #expect(listed.first?.agentID == "agent-1")
        #expect(try await host.manager(owner: "someone-else").list().isEmpty)

        try await manager.destroy(sandbox.name)
        try await expectNothingLeft(host, name: "sbx-life")
        try await manager.destroy(sandbox.name)  // idempotent
        #expect(try await manager.list().isEmpty)
    }

    @Test func generatedNameAndNoStart() async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        defer { Task { await host.cleanUp(bases: [base]) } }
        let manager = host.manager()
        let sandbox = try await manager.create(SandboxRequest(baseVM: base, memoryMiB: 256, vcpus: 1, autoStart: false))
        #expect(sandbox.name.value.hasPrefix("sbx-"))
        #expect(sandbox.state == .shutOff)
        let xml = try await host.connection.domainXML(named: sandbox.name.value, inactive: true)
        #expect(xml.contains("<memory unit='KiB'>262144</memory>"))
        try await manager.destroy(sandbox.name)
        try await expectNothingLeft(host, name: sandbox.name.value)
    }

    @Test func baseCDROMIsNeverReused() async throws {
        let host = try await TestHost.make()
        let baseSeed = host.folder.file("base-seed.iso")
        let base = try await host.makeBase(cdrom: baseSeed)
        defer { Task { await host.cleanUp(bases: [base]) } }
        let manager = host.manager()
        let sandbox = try await manager.create(SandboxRequest(baseVM: base, name: try SandboxName("sbx-ownseed")))
        let xml = try await host.connection.domainXML(named: "sbx-ownseed", inactive: true)
        #expect(!xml.contains(baseSeed))
        #expect(xml.contains(sandbox.seedISOPath))
        try await manager.destroy(sandbox.name)
    }

    @Test func runningBaseIsRefused() async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        defer { Task { await host.cleanUp(bases: [base]) } }
        try await host.connection.start(named: base)
        await expectError(.invalidBase) {
            _ = try await host.manager().create(SandboxRequest(baseVM: base, name: try SandboxName("sbx-running")))
        }
        try await expectNothingLeft(host, name: "sbx-running")
    }

    @Test func missingBaseIsNotFound() async throws {
        let host = try await TestHost.make()
        defer { Task { await host.cleanUp(bases: []) } }
        await expectError(.notFound) {
            _ = try await host.manager().create(
                SandboxRequest(baseVM: "no-such-base", name: try SandboxName("sbx-nobase")))
        }
        try await expectNothingLeft(host, name: "sbx-nobase")
    }

    @Test func badInputCreatesNothing() async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        defer { Task { await host.cleanUp(bases: [base]) } }
        let manager = host.manager()
        let requests = [
            SandboxRequest(baseVM: base, memoryMiB: 0), SandboxRequest(baseVM: base, memoryMiB: -5),
            SandboxRequest(baseVM: base, memoryMiB: Int.max), SandboxRequest(baseVM: base, vcpus: 0),
            SandboxRequest(baseVM: base, vcpus: 1_000_000), SandboxRequest(baseVM: ""),
            SandboxRequest(baseVM: "a\nb"), SandboxRequest(baseVM: base, agentID: "x\u{0}y"),
            SandboxRequest(baseVM: base, ttlSeconds: -1), SandboxRequest(baseVM: base, network: .network("a'b")),
            SandboxRequest(baseVM: base, userData: UserData(sshAuthorizedKeys: ["nonsense"])),
            SandboxRequest(baseVM: base, userData: UserData(extraCloudConfig: "[not, a, mapping]")),
        ]
        for request in requests {
            await expectError(.invalidArgument) { _ = try await manager.create(request) }
        }
        #expect(host.jobsLeft().isEmpty)
        #expect(try await manager.list().isEmpty)
    }

    @Test func takenNameIsRefused() async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        defer { Task { await host.cleanUp(bases: [base]) } }
        await expectError(.nameTaken) {
            _ = try await host.manager().create(SandboxRequest(baseVM: base, name: try SandboxName(base)))
        }
        #expect(host.jobsLeft().isEmpty)
    }

    @Test func defineFailureRollsBack() async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        defer { Task { await host.cleanUp(bases: [base]) } }
        let manager = host.manager(domains: FaultyDomainManager(host.connection, failDefine: true))
        do {
            _ = try await manager.create(SandboxRequest(baseVM: base, name: try SandboxName("sbx-nodefine")))
            Issue.record("create should fail")
        } catch {
            #expect(error == FaultyDomainManager.injected)  // the original error, unchanged
        }
        try await expectNothingLeft(host, name: "sbx-nodefine")
    }

    @Test func startFailureRollsBack() async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        defer { Task { await host.cleanUp(bases: [base]) } }
        let manager = host.manager(domains: FaultyDomainManager(host.connection, failStart: true))
        await expectError(.libvirt) {
            _ = try await manager.create(SandboxRequest(baseVM: base, name: try SandboxName("sbx-nostart")))
        }
        try await expectNothingLeft(host, name: "sbx-nostart")
    }

    @Test func seedFailureRollsBackAndNeverFallsBackToTheBaseISO() async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase(cdrom: "/var/lib/base-seed.iso")
        defer { Task { await host.cleanUp(bases: [base]) } }
        let manager = host.manager()
        await manager.setSeedWriter { (_, _, _) throws(SandboxError) in
            throw SandboxError(.io, "disk full (injected)")
        }
        await expectError(.seedBuildFailed) {
            _ = try await manager.create(SandboxRequest(baseVM: base, name: try SandboxName("sbx-noseed")))
        }
        try await expectNothingLeft(host, name: "sbx-noseed")
    }

    @Test func cancellationRollsBack() async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        defer { Task { await host.cleanUp(bases: [base]) } }
        let manager = host.manager(domains: FaultyDomainManager(host.connection, defineDelay: .seconds(5)))
        let task = Task { () async throws -> Sandbox in
            try await manager.create(SandboxRequest(baseVM: base, name: try SandboxName("sbx-cancel")))
        }
        // Wait until the create has defined the domain, then cancel it.
        while try await host.connection.domain(named: "sbx-cancel") == nil {
            try await Task.sleep(for: .milliseconds(5))
        }
        task.cancel()
        let result = await task.result
        switch result {
        case .success: Issue.record("a cancelled create must not succeed")
        case .failure(let error): #expect((error as? SandboxError)?.code == .cancelled)
        }
        try await expectNothingLeft(host, name: "sbx-cancel")
    }

    @Test func concurrentCreatesWithOneNameLetExactlyOneWin() async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        defer { Task { await host.cleanUp(bases: [base]) } }
        let manager = host.manager()
        let name = try SandboxName("sbx-race")
        let results = await withTaskGroup(of: SandboxError.Code?.self) { group in
            for _ in 0..<2 {
                group.addTask {
                    do {
                        _ = try await manager.create(SandboxRequest(baseVM: base, name: name, autoStart: false))
                        return nil
                    } catch { return (error as? SandboxError)?.code }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.filter { $0 == nil }.count == 1)
        #expect(results.filter { $0 == .nameTaken }.count == 1)
        // A second manager (another process, in effect) sharing the jobs root is refused too.
        await expectError(.nameTaken) {
            _ = try await host.manager().create(SandboxRequest(baseVM: base, name: name, autoStart: false))
        }
        try await manager.destroy(name)
        try await expectNothingLeft(host, name: name.value)
    }

    @Test func twentyConcurrentCreatesGetDistinctMACs() async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        defer { Task { await host.cleanUp(bases: [base]) } }
        let manager = host.manager()
        let sandboxes = try await withThrowingTaskGroup(of: Sandbox.self) { group in
            for _ in 0..<20 {
                group.addTask { try await manager.create(SandboxRequest(baseVM: base, autoStart: false)) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(sandboxes.map(\.mac)).count == 20)
        #expect(Set(sandboxes.map(\.name)).count == 20)
        #expect(try await manager.list().count == 20)
        for sandbox in sandboxes { try await manager.destroy(sandbox.name) }
        #expect(try await manager.list().isEmpty)
        #expect(host.jobsLeft().isEmpty)
    }

    @Test func destroyRefusesDomainsItDoesNotOwn() async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        defer { Task { await host.cleanUp(bases: [base]) } }
        await expectError(.invalidArgument) { try await host.manager().destroy(try SandboxName(base)) }
        #expect(try await host.connection.domain(named: base) != nil)
    }

    @Test func macScanFindsEveryInterface() {
        let xml =
            "<domain type='kvm'><devices><interface type='network'><mac address='52:54:00:00:00:01'/></interface>"
            + "<interface type=\"bridge\"><mac address=\"52:54:00:00:00:02\"/></interface></devices></domain>"
        #expect(
            (DomainDescription(xml: xml)?.macs ?? []).map(\.description).sorted() == [
                "52:54:00:00:00:01", "52:54:00:00:00:02",
            ])
    }
}

/// The script destroy runs in the guest to give back DHCP leases must at least parse.
@Suite struct LeaseReleaseScriptTests {
    @Test func shellParses() throws {
        let result = try ExternalTool.run("/bin/sh", ["-n", "-c", SandboxManager.releaseLeasesScript])
        #expect(result.status == 0, "\(result.stderr)")
    }

    @Test(.enabled(if: ExternalTool.exists("/usr/bin/python3")))
    func embeddedPythonCompiles() throws {
        let script = SandboxManager.releaseLeasesScript
        let start = try #require(script.range(of: "<<'PY' || true\n"))
        let end = try #require(script.range(of: "\nPY\n"))
        let python = String(script[start.upperBound..<end.lowerBound])
        let result = try ExternalTool.run(
            "/usr/bin/python3", ["-c", "import ast, sys; ast.parse(sys.stdin.read())"], stdin: python)
        #expect(result.status == 0, "\(result.stderr)")
    }
}

import Foundation
import SandboxCoreTesting
import Testing

/// `sandbox-demo` as a process on a test-driver host of its own (`test:///…/node.xml`). Each
/// invocation is a new process with a fresh copy of the node, so a sandbox "from an earlier run"
/// is one the node file already holds: a running domain with SandboxCore's metadata and a job folder.
@Suite struct CLIProcessTests {
    /// A node with the shut-off base `good`, the running sandbox `sbx-earlier` (owner `sandboxcore`,
    /// its job folder made), and the `default` network; its URI, and the jobs folder.
    static func makeHost(in folder: TemporaryFolder) throws -> (uri: String, jobs: String) {
        let disk = folder.file("good.img")
        try SparseDisk.create(at: disk)
        let jobs = folder.file("jobs")
        try FileManager.default.createDirectory(atPath: jobs + "/sbx-earlier", withIntermediateDirectories: true)
        let earlier = """
            <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
              <name>sbx-earlier</name><memory unit='KiB'>524288</memory><vcpu>1</vcpu>
              <metadata><sandbox:sandbox xmlns:sandbox='urn:x-sandboxcore:sandbox:1'>
                <sandbox:owner>sandboxcore</sandbox:owner><sandbox:base>good</sandbox:base>
                <sandbox:created>1700000000</sandbox:created><sandbox:job>\(jobs)/sbx-earlier</sandbox:job>
              </sandbox:sandbox></metadata>
              <os><type arch='x86_64'>hvm</type><kernel>/boot/vmlinuz</kernel></os>
              <devices>
                <disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='\(disk)'/>
                  <target dev='vda' bus='virtio'/></disk>
                <interface type='network'><mac address='52:54:00:aa:bb:cc'/><source network='default'/></interface>
              </devices>
              <test:runstate>1</test:runstate>
            </domain>
            """
        let node = TestDriverNode(domains: [CLINodeHostTests.base("good", disk: disk)], rawDomains: [earlier])
        return (try node.write(to: folder.file("node.xml")), jobs)
    }

    static func demo(_ arguments: [String]) throws -> ExternalTool.Result {
        try ExternalTool.run(CLITests.binary!, arguments)
    }

    static func jobFolders(_ jobs: String) -> Set<String> {
        Set((try? FileManager.default.contentsOfDirectory(atPath: jobs)) ?? [])
    }

    @Test(.enabled(if: CLITests.binary != nil)) func createWithoutWaitingPrintsTheSandbox() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let (uri, jobs) = try Self.makeHost(in: folder)
        let result = try Self.demo(["create", "--connect", uri, "--jobs-dir", jobs, "--base", "good", "--no-wait"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.isEmpty, "\(result.stderr)")
        let fields = result.stdout.trimmingCharacters(in: .newlines).split(separator: "\t").map(String.init)
        #expect(fields.count == 5, "\(result.stdout)")
        let name = try #require(fields.first)
        #expect(name.hasPrefix("sbx-"))
        #expect(fields.dropFirst().first == "running")
        #expect(fields.dropFirst(3).first == "-", "no address without waiting: \(result.stdout)")
        #expect(Self.jobFolders(jobs) == ["sbx-earlier", name])
        let files = Set(HostSnapshot.listFiles(under: jobs + "/" + name))
        #expect(files.isSuperset(of: ["disk.qcow2", "cloud-init.iso"]), "\(files)")
    }

    @Test(.enabled(if: CLITests.binary != nil)) func aSandboxFromAnEarlierRunIsListedDiagnosedAndDestroyed() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let (uri, jobs) = try Self.makeHost(in: folder)

        let list = try Self.demo(["list", "--connect", uri, "--jobs-dir", jobs])
        #expect(list.status == 0, "\(list.stderr)")
        #expect(list.stdout.hasPrefix("NAME\tSTATE\tBASE\tCREATED\nsbx-earlier\trunning\tgood\t2023-11-14T22:13:20Z\n"))
        let json = try Self.demo(["list", "--connect", uri, "--jobs-dir", jobs, "--json"])
        #expect(json.status == 0, "\(json.stderr)")
        let listed = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
        #expect(listed?.compactMap { $0["name"] as? String } == ["sbx-earlier"], "\(json.stdout)")

        let diagnose = try Self.demo(["diagnose", "--connect", uri, "sbx-earlier"])
        #expect(diagnose.status == 0, "\(diagnose.stderr)")
        #expect(diagnose.stdout.hasPrefix("verdict: address-found"), "\(diagnose.stdout)")
        #expect(diagnose.stdout.contains("nic 52:54:00:aa:bb:cc"), "\(diagnose.stdout)")

        // The test driver makes the address up; any IPv4 will do.
        for arguments in [["sbx-earlier"], ["sbx-earlier", "--wait", "--timeout", "30s", "--no-progress"]] {
            let ip = try Self.demo(["ip", "--connect", uri] + arguments)
            #expect(ip.status == 0, "\(ip.stderr)")
            let address = ip.stdout.trimmingCharacters(in: .newlines)
            #expect(address.split(separator: ".").count == 4 && address.allSatisfy { $0.isNumber || $0 == "." })
        }

        let destroy = try Self.demo(["destroy", "--connect", uri, "--jobs-dir", jobs, "sbx-earlier"])
        #expect(destroy.status == 0, "\(destroy.stderr)")
        #expect(destroy.stdout == "destroyed sbx-earlier\n")
        #expect(Self.jobFolders(jobs).isEmpty)
    }

    @Test(.enabled(if: CLITests.binary != nil)) func preflightPassesAGoodBaseAndFailsARunningOne() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let (uri, _) = try Self.makeHost(in: folder)
        let good = try Self.demo(["preflight", "--connect", uri, "good"])
        #expect(good.status == 0, "\(good.stdout)\(good.stderr)")
        #expect(good.stdout.hasPrefix("base VM good: ok\n"), "\(good.stdout)")
        let json = try Self.demo(["preflight", "--connect", uri, "good", "--json"])
        #expect(json.status == 0)
        #expect((try? JSONSerialization.jsonObject(with: Data(json.stdout.utf8))) is [String: Any], "\(json.stdout)")
        let running = try Self.demo(["preflight", "--connect", uri, "sbx-earlier"])
        #expect(running.status == 1)
        #expect(running.stdout.contains("[error] base-state"), "\(running.stdout)")
    }

    /// Names nobody has: one line `Error: not_found: …`, non-zero; `destroy` is idempotent
    /// (documented): it succeeds and writes nothing.
    @Test(.enabled(if: CLITests.binary != nil)) func unknownNames() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let (uri, jobs) = try Self.makeHost(in: folder)
        for arguments in [
            ["diagnose", "--connect", uri, "sbx-nobody"], ["ip", "--connect", uri, "sbx-nobody"],
            ["ip", "--connect", uri, "sbx-nobody", "--wait", "--timeout", "5s"],
            ["preflight", "--connect", uri, "no-such-base"],
        ] {
            let result = try Self.demo(arguments)
            #expect(result.status != 0, "\(arguments)")
            #expect(result.stdout.isEmpty, "\(arguments): \(result.stdout)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(arguments): \(result.stderr)")
            #expect(result.stderr.hasPrefix("Error: not_found: "), "\(arguments): \(result.stderr)")
        }
        let destroy = try Self.demo(["destroy", "--connect", uri, "--jobs-dir", jobs, "sbx-nobody"])
        #expect(destroy.status == 0, "\(destroy.stderr)")
        #expect(HostSnapshot.listFiles(under: jobs) == ["sbx-earlier"])
    }

    /// Creates that would start the clone, refused before anything is written.
    @Test(
        .enabled(if: CLITests.binary != nil),
        arguments: [
            (["--name", "a/b"], "invalid_argument"), (["--name", "sbx-earlier"], "name_taken"),
            (["--ip", "300.1.1.1/24", "--gateway", "192.168.122.1"], "invalid_argument"),
            (["--reserve-ip", "10.9.9.9"], "invalid_argument"), (["--dns", "1.2.3"], "invalid_argument"),
            // The CLI's own check prints a code too.
            (["--seed-format", "floppy"], "invalid_argument"),
        ])
    func badCreatesLeaveNoJobFolder(arguments: [String], code: String) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let (uri, jobs) = try Self.makeHost(in: folder)
        let result = try Self.demo(
            ["create", "--connect", uri, "--jobs-dir", jobs, "--base", "good", "--no-wait"] + arguments)
        #expect(result.status != 0)
        #expect(result.stdout.isEmpty, "\(result.stdout)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("Error: \(code): "), "\(result.stderr)")
        #expect(HostSnapshot.listFiles(under: jobs) == ["sbx-earlier"])
    }
}

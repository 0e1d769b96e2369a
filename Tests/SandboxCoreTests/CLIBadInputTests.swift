import Foundation
import SandboxCoreTesting
import Testing

/// Bad input through `sandbox-demo`: exit status non-zero, one line `Error: <code>: …` on stderr,
/// nothing on stdout and nothing written.
@Suite struct CLIBadInputTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var arguments: [String]
        var code: String
        var environment: [String: String] = [:]
        var testDescription: String { arguments.joined(separator: " ") + " " + environment.description }
    }

    /// `create` on the test driver, whose only domain (`test`) is running.
    static func create(_ extra: [String], _ code: String = "invalid_argument", environment: [String: String] = [:])
        -> Case
    {
        Case(
            arguments: ["create", "--connect", "test:///default", "--no-start"] + extra, code: code,
            environment: environment)
    }

    static let cases: [Case] =
        [
            "a<b", "a>b", "a'b", "a\"b", "a&b", "a/b", "..", "../x", "a\nb", "a b", "",
            String(repeating: "n", count: 300),
        ]
        .map { create(["--base", "test", "--name", $0]) } + [
            create(["--base", "test", "--memory-mib", "0"]),
            create(["--base", "test", "--memory-mib=-1"]),
            create(["--base", "test", "--memory-mib", "9223372036854775807"]),
            create(["--base", "test", "--vcpus", "0"]),
            create(["--base", "test", "--vcpus=-2"]),
            create(["--base", "test", "--vcpus", "100000"]),
            create(["--base", "test", "--ttl-seconds", "0"]),
            create(["--base", "test", "--agent-id", "a\nb"]),
            create(["--base", ""]),
            create(["--base", "no-such-base"], "not_found"),
            create(["--base", "a<b>'&\""], "not_found"),
            create(["--base", "test"], "invalid_base"),
            create(["--base", "test", "--timeout", "soon"]),
            create(["--base", "test", "--timeout=-5s"]),
            create(["--base", "test"], environment: ["IP_DISCOVERY_TIMEOUT": "ninety"]),
            create(["--base", "test"], environment: ["IP_DISCOVERY_TIMEOUT": "0s"]),
            create(["--base", "test"], environment: ["IP_DISCOVERY_TIMEOUT": "-1m"]),
            Case(
                arguments: ["list", "--connect", "test:///default"], code: "invalid_argument",
                environment: ["IP_DISCOVERY_TIMEOUT": "1y"]),
            Case(
                arguments: ["reconcile", "--connect", "test:///default"], code: "invalid_argument",
                environment: ["IP_DISCOVERY_TIMEOUT": "x"]),
            Case(arguments: ["destroy", "--connect", "test:///default", "a/../b"], code: "invalid_argument"),
            Case(arguments: ["destroy", "--connect", "test:///default", "test"], code: "invalid_argument"),
            Case(arguments: ["ip", "--connect", "test:///default", "x y"], code: "invalid_argument"),
        ]
        + [
            "01:00:5e:00:00:01", "ff:ff:ff:ff:ff:ff", "00:00:00:00:00:00", "52:54:00:00:00", "52-54-00-00-00-01",
            "zz:54:00:00:00:01",
        ]
        .map { Case(arguments: ["seed", "--name", "sbx-cli", "--mac", $0], code: "invalid_argument") }
        + ["a: b", "#x", "- x", "'q'", "{a}", "a\nb", "x-", String(repeating: "h", count: 64)]
        .map {
            Case(
                arguments: ["seed", "--name", "sbx-cli", "--mac", "52:54:00:01:02:03", "--hostname=" + $0],
                code: "invalid_argument")
        }

    @Test(.enabled(if: CLITests.binary != nil), arguments: cases) func badInputWritesNothing(_ badCase: Case) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var arguments = badCase.arguments
        if arguments.first == "seed" { arguments += ["--output", folder.file("seed.iso")] }
        if ["create", "list", "reconcile", "destroy", "ip"].contains(arguments.first) {
            arguments += ["--jobs-dir", folder.file("jobs")]
        }
        let result = try ExternalTool.run(CLITests.binary!, arguments, environment: badCase.environment)
        #expect(result.status != 0)
        #expect(result.stdout.isEmpty, "\(result.stdout)")
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("Error: \(badCase.code): "), "\(result.stderr)")
        #expect(HostSnapshot.listFiles(under: folder.path).isEmpty, "\(HostSnapshot.listFiles(under: folder.path))")
    }
}

/// `sandbox-demo create` against a test-driver host of our own (`test:///…/node.xml`) with shut-off
/// bases: bad bases and an unwritable jobs folder fail with one line and write nothing, while the
/// same command with good input does make a sandbox (so the check would see a write).
@Suite struct CLINodeHostTests {
    /// A base booting `/boot/vmlinuz` from `disk` (raw), or from the block device `/dev/null`.
    static func base(_ name: String, disk: String?, state: BaseVMDefinition.RunState = .shutOff) -> BaseVMDefinition {
        BaseVMDefinition(
            name: name, kernelBoot: .init(kernel: "/boot/vmlinuz"), disk: disk.map { .file($0) } ?? .block("/dev/null"),
            runState: state)
    }

    /// A node with bases `good`, `running`, `nodisk` and `unreadable` (its disk under a regular file).
    static func makeNode(in folder: TemporaryFolder) throws -> String {
        let disk = folder.file("good.img")
        try SparseDisk.create(at: disk)
        _ = try folder.write("a file, not a folder", to: "plain")
        let node = TestDriverNode(domains: [
            base("good", disk: disk), base("running", disk: disk, state: .running), base("nodisk", disk: nil),
            base("unreadable", disk: folder.file("plain/disk.img")),
        ])
        return try node.write(to: folder.file("node.xml"))
    }

    static let cases: [(arguments: [String], code: String)] = [
        (["--base", "running"], "invalid_base"),
        (["--base", "nodisk"], "invalid_base"),
        (["--base", "unreadable"], "io"),
        (["--base", "missing"], "not_found"),
        (["--base", "good", "--memory-mib", "0"], "invalid_argument"),
        (["--base", "good", "--vcpus", "4096"], "invalid_argument"),
        (["--base", "good", "--name", "../../etc"], "invalid_argument"),
        (["--base", "good", "--jobs-dir", "JOBS_UNDER_FILE"], "io"),
    ]

    @Test(.enabled(if: CLITests.binary != nil), arguments: cases)
    func badCreatesOnANodeHostWriteNothing(arguments: [String], code: String) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let uri = try Self.makeNode(in: folder)
        let before = HostSnapshot.listFiles(under: folder.path)
        var all = ["create", "--connect", uri, "--no-start", "--jobs-dir", folder.file("jobs")]
        all += arguments.map { $0 == "JOBS_UNDER_FILE" ? folder.file("plain/jobs") : $0 }
        let result = try ExternalTool.run(CLITests.binary!, all)
        #expect(result.status != 0)
        #expect(result.stdout.isEmpty, "\(result.stdout)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("Error: \(code): "), "\(result.stderr)")
        #expect(HostSnapshot.listFiles(under: folder.path) == before)
    }

    @Test(.enabled(if: CLITests.binary != nil)) func theSameCommandWithGoodInputMakesASandbox() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let uri = try Self.makeNode(in: folder)
        let result = try ExternalTool.run(
            CLITests.binary!,
            [
                "create", "--connect", uri, "--no-start", "--jobs-dir", folder.file("jobs"), "--base", "good", "--name",
                "sbx-ok",
            ])
        #expect(result.status == 0, "\(result.stderr)")
        let files = Set(HostSnapshot.listFiles(under: folder.file("jobs")))
        #expect(files.contains("sbx-ok/disk.qcow2") && files.contains("sbx-ok/cloud-init.iso"), "\(files)")
        #expect(!files.contains("sbx-ok/.sandboxcore-creating"))
    }
}

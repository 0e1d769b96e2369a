import Foundation
import SandboxCoreTesting
import Testing

@testable import SandboxCore

/// `sandbox-demo status` and `console` on a test-driver host of our own (`test:///…/node.xml`):
/// `sbx-run` running with a console log in the jobs folder, `sbx-off` shut off, `sbx-evil`
/// running with a console path outside the jobs folder. The test driver has no guest agent.
@Suite struct StatusConsoleCLITests {
    struct Node {
        let folder: TemporaryFolder
        let uri: String
        var jobs: String { folder.file("jobs") }

        func run(_ arguments: [String]) throws -> ExternalTool.Result {
            try ExternalTool.run(
                CLITests.binary!, [arguments[0], "--connect", uri, "--jobs-dir", jobs] + arguments.dropFirst())
        }
    }

    static func domain(_ name: String, console: String, state: BaseVMDefinition.RunState) -> BaseVMDefinition {
        BaseVMDefinition(name: name, kernelBoot: .init(kernel: "/boot/vmlinuz"), serialLog: console, runState: state)
    }

    static func makeNode() throws -> Node {
        let folder = try TemporaryFolder()
        let jobs = folder.file("jobs")
        try FileManager.default.createDirectory(atPath: jobs + "/sbx-run", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: jobs + "/sbx-off", withIntermediateDirectories: true)
        try Data("boot 1\nboot 2\nlogin: \n".utf8).write(to: URL(fileURLWithPath: jobs + "/sbx-run/console.log"))
        try Data("off 1\noff 2\n".utf8).write(to: URL(fileURLWithPath: jobs + "/sbx-off/console.log"))
        let secret = try folder.write("secret\n", to: "secret.txt")
        let node = TestDriverNode(domains: [
            domain("sbx-run", console: jobs + "/sbx-run/console.log", state: .running),
            domain("sbx-off", console: jobs + "/sbx-off/console.log", state: .shutOff),
            domain("sbx-evil", console: secret, state: .running),
        ])
        return Node(folder: folder, uri: try node.write(to: folder.file("node.xml")))
    }

    /// One line on stderr, `Error: CODE: …`, and a failing exit status.
    static func expectOneLineError(_ result: ExternalTool.Result, _ code: String) {
        #expect(result.status != 0)
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(result.stderr.hasPrefix("Error: \(code)"), "\(result.stderr)")
    }

    @Test(.enabled(if: CLITests.binary != nil)) func statusShowsTheStage() throws {
        let node = try Self.makeNode()
        defer { node.folder.remove() }
        let running = try node.run(["status", "sbx-run"])
        #expect(running.status == 0, "\(running.stderr)")
        #expect(running.stdout.hasPrefix("sbx-run: booting"), "\(running.stdout)")
        #expect(running.stdout.contains("guest agent: silent"))
        let json = try node.run(["status", "sbx-off", "--json"])
        #expect(json.status == 0, "\(json.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(object?["stage"] as? String == "not-running")
        #expect(object?["agentAnswers"] as? Bool == false)
    }

    @Test(.enabled(if: CLITests.binary != nil)) func statusWaitFailsAtOnceWhenStoppedAndTimesOutWhileBooting()
        throws
    {
        let node = try Self.makeNode()
        defer { node.folder.remove() }
        Self.expectOneLineError(try node.run(["status", "sbx-off", "--wait", "--timeout", "10m"]), "not_running")
        let booting = try node.run(["status", "sbx-run", "--wait", "--until", "agent-up", "--timeout", "300ms"])
        #expect(booting.status == 124, "\(booting.stderr)")
        #expect(booting.stderr.hasPrefix("Error: timeout"), "\(booting.stderr)")
        let reached = try node.run(["status", "sbx-run", "--wait", "--until", "booting"])
        #expect(reached.status == 0, "\(reached.stderr)")
    }

    @Test(.enabled(if: CLITests.binary != nil)) func statusRejectsBadInputInOneLine() throws {
        let node = try Self.makeNode()
        defer { node.folder.remove() }
        Self.expectOneLineError(try node.run(["status", "a<b"]), "invalid_argument")
        Self.expectOneLineError(try node.run(["status", "sbx-none"]), "not_found")
        Self.expectOneLineError(try node.run(["status", "sbx-run", "--until", "soon"]), "invalid_argument")
        Self.expectOneLineError(try node.run(["status", "sbx-run", "--timeout", "forever"]), "invalid_argument")
        #expect((try? FileManager.default.contentsOfDirectory(atPath: node.jobs))?.sorted() == ["sbx-off", "sbx-run"])
    }

    @Test(.enabled(if: CLITests.binary != nil)) func consolePrintsTheLogAndItsLastLines() throws {
        let node = try Self.makeNode()
        defer { node.folder.remove() }
        let all = try node.run(["console", "sbx-run"])
        #expect(all.status == 0, "\(all.stderr)")
        #expect(all.stdout == "boot 1\nboot 2\nlogin: \n")
        let last = try node.run(["console", "sbx-run", "--lines", "2"])
        #expect(last.stdout == "boot 2\nlogin: \n")
        // --follow ends once the domain is not running.
        let followed = try node.run(["console", "sbx-off", "--follow"])
        #expect(followed.status == 0, "\(followed.stderr)")
        #expect(followed.stdout == "off 1\noff 2\n")
    }

    @Test(.enabled(if: CLITests.binary != nil)) func consoleRejectsBadInputAndPathsOutsideTheJobsFolder() throws {
        let node = try Self.makeNode()
        defer { node.folder.remove() }
        let evil = try node.run(["console", "sbx-evil"])
        Self.expectOneLineError(evil, "invalid_argument")
        #expect(!evil.stdout.contains("secret"))
        Self.expectOneLineError(try node.run(["console", "../etc"]), "invalid_argument")
        Self.expectOneLineError(try node.run(["console", "sbx-none"]), "not_found")
        Self.expectOneLineError(try node.run(["console", "sbx-run", "--lines=-1"]), "invalid_argument")
    }
}

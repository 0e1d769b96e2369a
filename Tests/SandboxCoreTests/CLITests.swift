import Foundation
import SandboxCoreTesting
import Testing

@testable import SandboxCore

/// The `sandbox-demo` executable, as scripts use it.
@Suite struct CLITests {
    static let binary: String? = {
        // The test bundle lives in the same build folder as the executables.
        var url = Bundle.main.bundleURL
        for _ in 0..<3 {
            let candidate = url.appendingPathComponent("sandbox-demo").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            url.deleteLastPathComponent()
        }
        return nil
    }()

    @Test(.enabled(if: binary != nil)) func seedWritesAnISOAndBadInputWritesNothing() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let ok = try ExternalTool.run(
            Self.binary!, ["seed", "--name", "sbx-cli", "--mac", "52:54:00:01:02:03", "--output", folder.file("s.iso")])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(FileManager.default.fileExists(atPath: folder.file("s.iso")))
        #expect(FileManager.default.fileExists(atPath: folder.file("meta-data")))

        for (flag, value) in [("--name", "a<b"), ("--mac", "01:00:5e:00:00:01"), ("--hostname", "bad_host")] {
            var arguments = [
                "seed", "--name", "sbx-x", "--mac", "52:54:00:01:02:03", "--output", folder.file("bad.iso"),
            ]
            arguments += [flag, value]
            let bad = try ExternalTool.run(Self.binary!, arguments)
            #expect(bad.status != 0)
            #expect(bad.stderr.split(separator: "\n").count == 1, "\(bad.stderr)")
            #expect(bad.stderr.hasPrefix("Error: invalid_argument"), "\(bad.stderr)")
            #expect(!FileManager.default.fileExists(atPath: folder.file("bad.iso")))
        }
    }

    @Test(.enabled(if: binary != nil)) func xmlPrintsADomainAndRejectsZeroMemory() throws {
        let base = [
            "xml", "--name", "sbx-cli", "--disk", "/d.qcow2", "--seed", "/s.iso", "--mac", "52:54:00:01:02:03",
            "--network", "default",
        ]
        let ok = try ExternalTool.run(Self.binary!, base + ["--virt-type", "qemu", "--arch", "aarch64"])
        #expect(ok.status == 0)
        #expect(ok.stdout.hasPrefix("<domain type='qemu'>"))
        #expect(ok.stdout.contains("machine='virt'"))
        let bad = try ExternalTool.run(Self.binary!, base + ["--memory-mib", "0"])
        #expect(bad.status != 0)
        #expect(bad.stdout.isEmpty)
        #expect(bad.stderr.split(separator: "\n").count == 1)
    }

    @Test(.enabled(if: binary != nil)) func demoRunsTheWholeFlowOnTheTestDriver() throws {
        let result = try ExternalTool.run(Self.binary!, [])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("created sbx-"))
        #expect(result.stdout.contains("destroyed sbx-"))
        #expect(result.stdout.contains("job folder exists: false"))
    }

    /// `create` against a host file of the test driver (its state lives in the CLI's process):
    /// the stages appear on stderr with their times, the sandbox on stdout.
    @Test(.enabled(if: binary != nil)) func createShowsItsStagesAndIPChecksItsSource() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let disk = try folder.write("", to: "base.img")
        let base = BaseVMDefinition(name: "cli-base", memoryMiB: 256, disk: .file(disk), runState: .shutOff)
        let uri = try TestDriverNode(domains: [base]).write(to: folder.file("node.xml"))
        let result = try ExternalTool.run(
            Self.binary!,
            [
                "create", "--connect", uri, "--jobs-dir", folder.file("jobs"), "--base", "cli-base",
                "--name", "sbx-cli-progress", "--progress",
            ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("sbx-cli-progress\trunning\t52:54:00:"), "\(result.stdout)")
        for stage in CreateStage.allCases {
            #expect(result.stderr.contains("s] \(stage)\n"), "\(stage) missing from: \(result.stderr)")
        }
        let quiet = try ExternalTool.run(
            Self.binary!,
            [
                "create", "--connect", uri, "--jobs-dir", folder.file("jobs2"), "--base", "cli-base",
                "--no-progress",
            ])
        #expect(quiet.status == 0, "\(quiet.stderr)")
        #expect(quiet.stderr.isEmpty, "\(quiet.stderr)")

        let bad = try ExternalTool.run(Self.binary!, ["ip", "--source", "dns", "sbx-any"])
        #expect(bad.status != 0)
        #expect(bad.stderr.split(separator: "\n").count == 1, "\(bad.stderr)")
        #expect(bad.stderr.contains("--source"), "\(bad.stderr)")
    }
}

import Foundation
import Testing

@testable import SandboxCore
@testable import SandboxLibvirt

/// Commands and files through the guest agent of a real guest (one sandbox, reused for every
/// check to keep boots few): exec's exit status and output, 1 MiB of output whole, a timeout that
/// kills the command's whole process group, streaming output before the exit, a file written and
/// read back byte for byte, and all of it still working once the guest's network is down. Last,
/// the guest freezes its own agent (`kill -STOP`): lifecycle calls on the same connection still
/// answer in milliseconds while an agent call hangs, and destroy ends within its budget.
///
/// The base is defined from the cached image without booting it first (the sandbox's boot is
/// the image's first), which saves a boot. Run by `e2e/run.sh`; skipped without `SANDBOX_E2E_URI`.
@Suite(.serialized, .e2eEnabled, .e2eWorkspace)
struct ExecE2ETests {
    @Test func execAndFilesThroughTheGuestAgent() async throws {
        let workspace = try #require(E2EWorkspace.current)
        let flavour = try #require(E2EEnvironment.flavours.first, "no guest image")
        let work = try workspace.folder("exec-" + flavour)
        let base = try await workspace.unbootedBase("e2e-exec-base-\(flavour)", flavour: flavour, in: work)
        let manager = workspace.manager(
            in: work, owner: "e2e-exec", gracefulShutdownTimeout: .zero, discoverySources: [.networkLeases, .lease])
        let clock = ContinuousClock()
        let start = clock.now
        do {
            let made = try await manager.create(
                SandboxRequest(baseVM: base.baseName, waitForIP: true, ipTimeout: E2EEnvironment.bootTimeout))
            let toIP = clock.now - start
            try await manager.waitForAgent(of: made.name, timeout: .seconds(300))
            var figures = try await check(manager.agent(for: made.name), sandbox: made)
            figures.insert(
                String(format: "create→IP %.1fs, →agent %.1fs", toIP.seconds, (clock.now - start).seconds), at: 0)
            let note = figures.joined(separator: "; ")
            print("Exec E2E figures: \(note)")
            await ResultsFile.shared.append(
                E2EResult(
                    flavour: flavour, sandbox: made.name.value, kind: "exec", ipAddress: made.ipAddress,
                    createToIPSeconds: toIP.seconds, note: note))
            // Last: it leaves the guest's agent frozen, and destroys the sandbox.
            let frozen = try await checkFrozenAgent(
                connection: workspace.connection, sandbox: made,
                manager: workspace.manager(in: work, owner: "e2e-exec", discoverySources: [.networkLeases, .lease]))
            let frozenNote = frozen.joined(separator: "; ")
            print("Frozen agent E2E figures: \(frozenNote)")
            await ResultsFile.shared.append(
                E2EResult(
                    flavour: flavour, sandbox: made.name.value, kind: "frozen-agent", ipAddress: made.ipAddress,
                    note: frozenNote))
        } catch {
            Issue.record("exec end-to-end failed: \(error)")
        }
    }

    /// The checks, in one booted sandbox; returns timing figures for the results file.
    func check(_ agent: GuestAgentClient, sandbox: Sandbox) async throws -> [String] {
        let clock = ContinuousClock()
        var figures: [String] = []

        // 1. exec: exit status and output.
        let hostname = try await agent.exec("/bin/hostname")
        #expect(hostname.exitCode == 0)
        #expect(hostname.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == sandbox.name.value)
        let failing = try await agent.run("echo out; echo err >&2; exit 42")
        #expect(failing.exitCode == 42)
        #expect(failing.stdout == "out\n")
        #expect(failing.stderr == "err\n")
        let piped = try await agent.exec("/bin/cat", options: .init(stdin: Data("from stdin".utf8)))
        #expect(piped.stdout == "from stdin")
        let environment = try await agent.run(
            #"printf %s "$GREETING""#, options: .init(environment: ["GREETING": "hi"]))
        #expect(environment.stdout == "hi")
        var latencies: [Duration] = []
        for _ in 0..<5 {
            let before = clock.now
            _ = try await agent.exec("/bin/true")
            latencies.append(clock.now - before)
        }
        let median = latencies.sorted()[2]
        figures.append(String(format: "exec /bin/true median %.0f ms", median.seconds * 1000))

        // 2. 1 MiB of output comes back whole, buffered and streamed.
        let megabyte = "head -c 1048576 /dev/zero | tr '\\0' a"
        var before = clock.now
        let big = try await agent.run(megabyte)
        let bufferedTime = clock.now - before
        #expect(big.stdoutData.count == 1_048_576)
        #expect(big.stdoutData.allSatisfy { $0 == UInt8(ascii: "a") })
        before = clock.now
        var streamedBytes = 0
        var streamedValid = true
        for try await event in agent.streamShell(megabyte) {
            if case .stdout(let data) = event {
                streamedBytes += data.count
                streamedValid = streamedValid && data.allSatisfy { $0 == UInt8(ascii: "a") }
            }
        }
        let streamedTime = clock.now - before
        #expect(streamedBytes == 1_048_576)
        #expect(streamedValid)
        figures.append(
            String(format: "1 MiB stdout: exec %.2fs, stream %.2fs", bufferedTime.seconds, streamedTime.seconds))

        // 3. A timeout kills the command and everything it started.
        before = clock.now
        let timedOut = await #expect(throws: SandboxError.self) {
            try await agent.run("sleep 601 & sleep 602; wait", options: .init(timeout: .seconds(3)))
        }
        let timeoutTime = clock.now - before
        #expect(timedOut?.code == .timeout, "\(String(describing: timedOut))")
        #expect(timeoutTime < .seconds(20), "the timeout took \(timeoutTime)")
        let survivors = try await poll(timeout: .seconds(10)) { () async throws -> String? in
            let found = try await agent.run("pgrep -f 'sleep 60[12]' || true")
            return found.stdout.isEmpty ? "" : nil
        }
        #expect(survivors == "", "sleep 601/602 still running after the timeout")
        figures.append(String(format: "3 s timeout → error after %.2fs", timeoutTime.seconds))

        // 4. Streaming delivers output before the command ends.
        before = clock.now
        var firstOutput: Duration?
        var exitAt: Duration?
        var streamed = ""
        for try await event in agent.streamShell("echo first; sleep 5; echo second >&2; exit 3") {
            switch event {
            case .stdout(let data), .stderr(let data):
                if firstOutput == nil { firstOutput = clock.now - before }
                streamed += String(decoding: data, as: UTF8.self)
            case .exit(let result):
                exitAt = clock.now - before
                #expect(result.exitCode == 3)
            }
        }
        #expect(streamed == "first\nsecond\n")
        let first = try #require(firstOutput)
        let exit = try #require(exitAt)
        #expect(exit - first > .seconds(3), "first output at \(first), exit at \(exit)")
        figures.append(String(format: "stream: first output %.2fs, exit %.2fs", first.seconds, exit.seconds))
        let leftovers = try await agent.run("ls -a /tmp | grep -c sandboxcore-exec || true")
        #expect(leftovers.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0")

        // 5. A clean boot log: cloud-init finished without errors and found no invalid cloud-config.
        try await checkCleanBoot(agent, sandbox: sandbox)

        // 6. Files: 200 KiB of random bytes, written and read back identical.
        let blob = Data((0..<204_800).map { _ in UInt8.random(in: 0...255) })
        before = clock.now
        try await agent.writeFile("/tmp/e2e-blob", contents: blob, mode: 0o640)
        let writeTime = clock.now - before
        before = clock.now
        let readBack = try await agent.readFile("/tmp/e2e-blob")
        let readTime = clock.now - before
        #expect(readBack == blob)
        #expect(try await agent.run("stat -c %a /tmp/e2e-blob").stdout == "640\n")
        let tooLarge = await #expect(throws: SandboxError.self) {
            try await agent.readFile("/tmp/e2e-blob", maxBytes: 1000)
        }
        #expect(tooLarge?.code == .tooLarge)
        #expect(try await agent.readFile("/tmp/does-not-exist") == nil)
        figures.append(String(format: "200 KiB file: write %.2fs, read %.2fs", writeTime.seconds, readTime.seconds))

        // 7. Without network: every interface but lo down, the agent still works.
        let down = try await agent.run(
            "for i in $(ls /sys/class/net); do [ \"$i\" = lo ] || ip link set dev \"$i\" down; done; "
                + "cat /sys/class/net/*/operstate")
        #expect(down.exitCode == 0, "\(down.stderr)")
        #expect(!down.stdout.contains("up"), "interfaces still up: \(down.stdout)")
        let offline = try await agent.exec("/bin/hostname")
        #expect(offline.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == sandbox.name.value)
        try await agent.writeFile("/tmp/offline", contents: Data("no network".utf8))
        #expect(try await agent.readFile("/tmp/offline") == Data("no network".utf8))
        return figures
    }

    /// The guest stops its own qemu-ga (`kill -STOP`, from a detached shell a moment after the exec
    /// returned). Meanwhile: an agent call hangs on the connection's ``GuestAgentChannel`` while
    /// `listDomains`/`domain(named:)` on the same connection answer (each under 2 s, in fact
    /// milliseconds); then a destroy with the default clean-shutdown budget (10 s), timed, while the
    /// lifecycle calls go on. Returns figures for the results file.
    func checkFrozenAgent(
        connection: LibvirtConnection, sandbox: Sandbox, manager: SandboxManager
    ) async throws -> [String] {
        let clock = ContinuousClock()
        let name = sandbox.name.value
        let agent = GuestAgentClient(domains: connection, domain: name)
        var figures: [String] = []
        let freeze = try await agent.run(
            "nohup sh -c 'sleep 2; kill -STOP $(pidof qemu-ga || pgrep -x qemu-ga)' </dev/null >/dev/null 2>&1 &")
        #expect(freeze.exitCode == 0, "\(freeze.stderr)")
        try await Task.sleep(for: .seconds(4))
        var before = clock.now
        let answers = await agent.ping(timeoutSeconds: 2)
        let failedPing = clock.now - before
        #expect(!answers, "the guest agent still answers after kill -STOP")
        figures.append(String(format: "frozen agent: ping (2 s) failed after %.2fs", failedPing.seconds))

        // An agent call hangs (10 s) while lifecycle calls on the same connection answer.
        before = clock.now
        let hung = Task { [before] in
            _ = try? await connection.agentCommand(
                named: name, command: #"{"execute":"guest-info"}"#, timeoutSeconds: 10)
            return ContinuousClock.now - before
        }
        try await Task.sleep(for: .milliseconds(500))
        #expect(connection.agentChannel.runningCount == 1, "the agent call is not in flight")
        var latencies: [Duration] = []
        while clock.now - before < .seconds(4) {
            let start = clock.now
            let listed = try await connection.listDomains()
            #expect(listed.contains { $0.name == name })
            #expect(try await connection.domain(named: name)?.state == .running)
            latencies.append(clock.now - start)
            try await Task.sleep(for: .milliseconds(100))
        }
        let hungFor = await hung.value
        let worst = try #require(latencies.max())
        let median = latencies.sorted()[latencies.count / 2]
        #expect(worst < .seconds(2), "a lifecycle call took \(worst) while an agent call hung")
        figures.append(
            String(
                format: "while a 10 s agent call hung: %d listDomains+domain(named:) pairs, "
                    + "median %.1f ms, worst %.1f ms",
                latencies.count, median.seconds * 1000, worst.seconds * 1000))
        figures.append(String(format: "the hung agent call ended after %.2fs", hungFor.seconds))

        // Destroy with the default 10 s budget (`manager`'s), while lifecycle calls go on.
        before = clock.now
        let destroy = Task { try await manager.destroy(sandbox.name) }
        var duringDestroy: [Duration] = []
        while clock.now - before < .seconds(60) {
            let start = clock.now
            guard try await connection.domain(named: name)?.state == .running else { break }
            duringDestroy.append(clock.now - start)
            try await Task.sleep(for: .milliseconds(200))
        }
        try await destroy.value
        let destroyTime = clock.now - before
        #expect(try await connection.domain(named: name) == nil)
        #expect(destroyTime < .seconds(30), "destroy with a frozen agent took \(destroyTime)")
        let worstDuring = duringDestroy.max() ?? .zero
        #expect(worstDuring < .seconds(2), "a lifecycle call took \(worstDuring) during destroy")
        figures.append(
            String(
                format: "destroy (10 s budget) with the agent frozen %.2fs; domain(named:) meanwhile worst %.1f ms",
                destroyTime.seconds, worstDuring.seconds * 1000))
        return figures
    }

    /// cloud-init's schema check at boot validates the *merged* config (the image's `/etc/cloud`
    /// and the seed's user-data and vendor-data) and only logs `Invalid cloud-config provided` on
    /// the console; `cloud-init schema --system` checks the user-data alone (cloud-init 22.4).
    /// So: both checks in the guest, cloud-init's result, and the console log itself.
    func checkCleanBoot(_ agent: GuestAgentClient, sandbox: Sandbox) async throws {
        let finished = try await poll(timeout: .seconds(300), every: .seconds(2)) {
            (try? await agent.cloudInitResult()) ?? nil
        }
        let result = try #require(finished, "cloud-init did not finish within 300 s")
        #expect(result.errors.isEmpty, "cloud-init errors: \(result.errors)")

        let userData = try await agent.exec("/usr/bin/cloud-init", ["schema", "--system"])
        #expect(
            userData.exitCode == 0 && !userData.stderr.contains("Error"),
            "cloud-init schema --system: \(userData.stdout)\(userData.stderr)")
        let merged = try await agent.exec("/usr/bin/python3", ["-c", Self.mergedConfigCheck])
        #expect(merged.exitCode == 0, "merged cloud-config is invalid: \(merged.stdout)\(merged.stderr)")

        let consolePath = sandbox.jobDirectory + "/" + SandboxManager.JobFile.console
        let console = String(decoding: try Data(contentsOf: URL(fileURLWithPath: consolePath)), as: UTF8.self)
        let invalid = console.split(separator: "\n").filter { $0.contains("Invalid cloud-config") }
        #expect(invalid.isEmpty, "console log: \(invalid.joined(separator: "\n"))")
    }

    /// Validates the config cloud-init ran with, merged the way its boot check merges it.
    static let mergedConfigCheck = """
        from cloudinit.stages import Init
        from cloudinit.config.schema import get_schema, validate_cloudconfig_schema
        validate_cloudconfig_schema(Init(ds_deps=[]).cfg, get_schema(), strict=True)
        print("merged cloud-config valid")
        """
}

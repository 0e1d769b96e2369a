import Foundation
import Testing

@testable import SandboxCore

/// libvirtd restarts while a create waits for its sandbox's IP address: the connection notices,
/// opens the URI again, and the create still returns the address.
@Suite(.serialized, .e2eEnabled, .e2eWorkspace)
struct ReconnectE2ETests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("e2e/libvirtd-netns.sh").path

    /// Runs a command to completion on a thread of its own and returns its exit status.
    /// (Foundation's `Process.waitUntilExit()` can miss the end of a child that started a daemon.)
    static func run(_ arguments: [String]) async -> Int32 {
        await withCheckedContinuation { continuation in
            let thread = Thread {
                var pid: pid_t = 0
                var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
                defer { for pointer in argv { free(pointer) } }
                guard posix_spawn(&pid, arguments[0], nil, nil, &argv, environ) == 0 else {
                    continuation.resume(returning: -1)
                    return
                }
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                continuation.resume(returning: (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f))
            }
            thread.start()
        }
    }

    @Test(.enabled(if: E2EEnvironment.current?.stateDirectory != nil))
    func aCreateWaitingForItsIPSurvivesALibvirtdRestart() async throws {
        let workspace = try #require(E2EWorkspace.current)
        let state = try #require(workspace.environment.stateDirectory)
        let flavour = try #require(E2EEnvironment.flavours.first)
        let connection = workspace.connection
        let fixture = try await workspace.bootedBase(flavour)
        let manager = workspace.manager(
            in: try workspace.folder("reconnect"), owner: "e2e-reconnect", gracefulShutdownTimeout: .seconds(30),
            discoverySources: [.networkLeases, .lease])
        let name = try SandboxName("sbx-reconnect")
        let started = ContinuousClock.now
        let create = Task {
            try await manager.create(
                SandboxRequest(
                    baseVM: fixture.baseName, name: name, waitForIP: true,
                    ipTimeout: E2EEnvironment.bootTimeout))
        }
        // Once the guest runs (the create is now waiting for its address), restart the daemon.
        let running = try await poll(timeout: .seconds(120), every: .milliseconds(200)) { () async -> Bool? in
            (try? await connection.state(named: name.value)) == .running ? true : nil
        }
        #expect(running == true)
        try await Task.sleep(for: .seconds(3))
        let status = await Self.run(["/bin/bash", Self.script, "restart-daemon", state])
        #expect(status == 0, "libvirtd did not restart")

        let sandbox = try await create.value
        #expect(sandbox.ipAddress != nil)
        #expect(try await connection.state(named: name.value) == .running)
        await ResultsFile.shared.append(
            E2EResult(
                flavour: flavour, sandbox: name.value, kind: "libvirtd-restart", ipAddress: sandbox.ipAddress,
                createToIPSeconds: (ContinuousClock.now - started) / .seconds(1),
                note: "libvirtd restarted while the create waited for the IP; the connection reconnected"))
        try await manager.destroy(name)
        #expect(try await connection.domain(named: name.value) == nil)
        #expect(!FileManager.default.fileExists(atPath: sandbox.jobDirectory))
    }
}

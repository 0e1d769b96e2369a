import Foundation
import Testing

private let originalClientServer = ServerProcess.builtExecutable("sandbox-server")

/// The original system's own Python SDK (`virsh_sandbox` from PyPI, installed unchanged into
/// `.build/original-sdk` by `scripts/install-deps.sh`) drives the real executable over loopback:
/// `Tests/Compatibility/original_client.py` without a guest (the test driver has none). The E2E
/// suite runs the same script with `--guest` on a real one.
@Suite(.enabled(if: originalClientServer != nil, "sandbox-server is not built"))
struct OriginalClientProcessTests {
    @Test func theOriginalSDKWorksUnchanged() async throws {
        try #require(
            OriginalClient.isInstalled,
            "no \(OriginalClient.python): scripts/install-deps.sh installs the original SDK there")
        let host = try ServerProcessTests.Host()
        defer { host.remove() }
        let server = try ServerProcess(
            executable: originalClientServer!,
            environment: ["LIBVIRT_URI": host.uri, "SANDBOX_JOBS_DIR": host.jobs, "SANDBOX_OWNER": "sdk-test"],
            logFolder: host.folder)
        defer { server.stop() }
        let serving = await server.waitUntilServing()
        try #require(serving, "\(server.stderr)")

        let (status, output) = try await OriginalClient.run(url: "http://127.0.0.1:\(server.port)", base: host.base)
        #expect(status == 0, "\(output)\n\(server.stderr)")
        #expect(output.contains("original client: ok"), "\(output)")
        #expect(server.isRunning, "\(server.stderr)")
        #expect(host.jobsLeft.isEmpty, "\(host.jobsLeft)")
        #expect(await server.terminate(within: .seconds(60)) == 0, "\(server.stderr)")
    }
}

import Foundation
import Testing

private let isolationServerExecutable = ServerProcess.builtExecutable("sandbox-server")

/// The isolation settings in the real executable: a host without the NIC filter stops it at
/// startup unless allowed, bad limits do too, and the disk cap stops a sandbox over it while the
/// process serves on.
@Suite(.enabled(if: isolationServerExecutable != nil, "sandbox-server is not built"))
struct IsolationProcessTests {
    @Test func aMissingFilterOrBadLimitStopsTheServerAtStartup() async throws {
        let host = try ServerProcessTests.Host()
        defer { host.remove() }
        let cases: [([String: String], String)] = [
            (["SANDBOX_ALLOW_MISSING_FILTER": "false"], "libvirt-daemon-config-nwfilter"),
            (["SANDBOX_ALLOW_MISSING_FILTER": "false", "SANDBOX_NETWORK_FILTER": "mine"], "no network filter mine"),
            (["SANDBOX_CPU_SHARES": "99999"], "SANDBOX_CPU_SHARES"),
            (["SANDBOX_MAX_DISK_MB": "-5"], "SANDBOX_MAX_DISK_MB"),
        ]
        for (extra, expected) in cases {
            var environment = ["LIBVIRT_URI": host.uri, "SANDBOX_JOBS_DIR": host.jobs]
            environment.merge(extra) { _, new in new }
            let server = try ServerProcess(
                executable: isolationServerExecutable!, environment: environment, logFolder: host.folder)
            let status = await server.waitForExit(within: .seconds(30))
            server.stop()
            #expect(status == 2, "\(extra): \(server.stderr)")
            #expect(server.stderr.contains(expected), "\(extra): \(server.stderr)")
        }

        // Told to go without it, the server starts and says what is missing.
        for extra in [["SANDBOX_ALLOW_MISSING_FILTER": "true"], ["SANDBOX_NETWORK_FILTER": "none"]] {
            var environment = ["LIBVIRT_URI": host.uri, "SANDBOX_JOBS_DIR": host.jobs]
            environment.merge(extra) { _, new in new }
            let server = try ServerProcess(
                executable: isolationServerExecutable!, environment: environment, logFolder: host.folder)
            defer { server.stop() }
            let serving = await server.waitUntilServing()
            try #require(serving, "\(extra): \(server.stderr)")
            #expect(server.stderr.contains("spoof MAC, IP and ARP"), "\(extra): \(server.stderr)")
            #expect(await server.terminate(within: .seconds(60)) == 0, "\(server.stderr)")
        }
    }

    /// The test driver reports 1 TiB allocated for a running disk: with a 1 GiB cap the janitor stops
    /// the sandbox, which stays listed (shut off) until deleted; the failure is counted.
    @Test func theDiskCapStopsASandboxOverIt() async throws {
        let host = try ServerProcessTests.Host()
        defer { host.remove() }
        let server = try ServerProcess(
            executable: isolationServerExecutable!,
            environment: [
                "LIBVIRT_URI": host.uri, "SANDBOX_JOBS_DIR": host.jobs, "SANDBOX_JANITOR_INTERVAL": "200ms",
                "SANDBOX_MAX_DISK_MB": "1024",
            ],
            logFolder: host.folder)
        defer { server.stop() }
        let serving = await server.waitUntilServing()
        try #require(serving, "\(server.stderr)")
        let made = try await server.send(
            "POST", "/v1/sandboxes", json: #"{"agent_id": "t", "source_vm_name": "base", "auto_start": true}"#)
        #expect(made.status == 201, "\(made.text)")
        let id = try #require(made.sandbox["id"] as? String, "\(made.text)")

        var state: String?
        for _ in 0..<100 {
            state = try await server.send("GET", "/v1/sandboxes/\(id)").sandbox["domain_state"] as? String
            if state == "shut_off" { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(state == "shut_off", "state \(state ?? "none"): \(server.stderr)")
        #expect(server.stderr.contains("disk cap: sandbox stopped"), "\(server.stderr)")
        let metrics = try await server.send("GET", "/metrics").text
        #expect(metrics.contains(#"operation="disk_cap""#), "\(metrics)")
        #expect(host.jobsLeft.count == 1, "\(host.jobsLeft)")
        #expect(try await server.send("DELETE", "/v1/sandboxes/\(id)").status == 200)
        #expect(host.jobsLeft.isEmpty, "\(host.jobsLeft)")
        #expect(server.isRunning, "\(server.stderr)")
        #expect(await server.terminate(within: .seconds(60)) == 0, "\(server.stderr)")
    }
}

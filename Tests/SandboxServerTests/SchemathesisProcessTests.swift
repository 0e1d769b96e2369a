import Foundation
import Testing

private let fuzzedServer = ServerProcess.builtExecutable("sandbox-server")

/// schemathesis (PyPI, in `.build/schemathesis` by `scripts/install-deps.sh`) fuzzes the running
/// executable against its own `/v1/openapi.json`, with a key: every answer must be no 5xx, a
/// documented status, JSON of the documented schema, and 401 when the key is left out or forged.
/// The base VM is named as the document's create example, so generated creates get through.
@Suite(.enabled(if: fuzzedServer != nil, "sandbox-server is not built"))
struct SchemathesisProcessTests {
    static var schemathesis: String { OriginalClient.packageRoot + "/.build/schemathesis/bin/st" }
    static let key = "fuzz-key-0123456789"

    @Test func theContractHoldsUnderFuzzing() async throws {
        try #require(
            FileManager.default.isExecutableFile(atPath: Self.schemathesis),
            "no \(Self.schemathesis): scripts/install-deps.sh installs schemathesis there")
        let host = try ServerProcessTests.Host(base: "debian-12-base")
        defer { host.remove() }
        let keys = host.folder + "/api-keys"
        try Data("fuzz \(TenantProcessTests.digest(Self.key))\n".utf8).write(to: URL(fileURLWithPath: keys))
        let server = try ServerProcess(
            executable: fuzzedServer!,
            environment: [
                "LIBVIRT_URI": host.uri, "SANDBOX_JOBS_DIR": host.jobs, "SANDBOX_OWNER": "fuzz",
                "SANDBOX_API_KEYS_FILE": keys, "SANDBOX_MAX_IP_WAIT": "2s", "SANDBOX_MAX_RUN_TIMEOUT": "2s",
                "SANDBOX_JANITOR_INTERVAL": "1s",
                // test:///default makes up guest addresses: SSH must never try to reach them.
                "SANDBOX_SSH": "false",
            ],
            logFolder: host.folder)
        defer { server.stop() }
        let serving = await server.waitUntilServing()
        try #require(serving, "\(server.stderr)")

        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.schemathesis)
        process.arguments = [
            "run", "http://127.0.0.1:\(server.port)/v1/openapi.json", "-H", "Authorization: Bearer \(Self.key)",
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,"
                + "response_headers_conformance,ignored_auth",
            "--max-examples", "25", "--seed", "20261206", "--no-color",
        ]
        process.currentDirectoryURL = URL(fileURLWithPath: host.folder)
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output: String = await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                continuation.resume(returning: String(decoding: data, as: UTF8.self))
            }
        }
        #expect(process.terminationStatus == 0, "\(output)")
        #expect(output.contains("Test cases:"), "\(output)")
        #expect(server.isRunning, "\(server.stderr)")
        #expect(!server.stderr.contains("Fatal error"), "\(server.stderr)")
        #expect(await server.terminate(within: .seconds(60)) == 0, "\(server.stderr)")
    }
}

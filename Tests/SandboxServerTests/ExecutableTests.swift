import Foundation
import Testing

/// The `sandbox-server` executable stops at once on a bad environment.
@Suite struct ExecutableTests {
    static let binary: String? = {
        // The test bundle lives in the same build folder as the executables.
        var url = Bundle.main.bundleURL
        for _ in 0..<3 {
            let candidate = url.appendingPathComponent("sandbox-server").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            url.deleteLastPathComponent()
        }
        return nil
    }()

    @Test(
        .enabled(if: binary != nil),
        arguments: [
            ("IP_DISCOVERY_TIMEOUT", "ninety"), ("SANDBOX_LISTEN", "nope"), ("SANDBOX_MAX_TTL", "forever"),
            ("SANDBOX_MAX_MEMORY_MB", "99999999999999999999"), ("SANDBOX_ALLOW_CUSTOM_MACS", "perhaps"),
        ])
    func anInvalidEnvironmentExitsWith2AndOneLine(variable: String, value: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary!)
        process.environment = [variable: value, "LIBVIRT_URI": "test:///default"]
        let stderr = Pipe()
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let output = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 2)
        #expect(output.contains(variable), "\(output)")
        #expect(output.split(separator: "\n").count == 1, "\(output)")
    }
}

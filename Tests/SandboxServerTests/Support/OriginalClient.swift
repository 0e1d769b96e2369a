import Foundation

/// The original system's own Python SDK (`virsh_sandbox` from PyPI, installed unchanged into
/// `.build/original-sdk` by `scripts/install-deps.sh`) running `Tests/Compatibility/original_client.py`.
/// Shared by the process tests and the E2E suite (linked into both targets).
enum OriginalClient {
    /// The venv's Python; `SANDBOX_ORIGINAL_SDK_PYTHON` overrides it.
    static var python: String {
        if let given = ProcessInfo.processInfo.environment["SANDBOX_ORIGINAL_SDK_PYTHON"] { return given }
        return packageRoot + "/.build/original-sdk/bin/python3"
    }

    /// The folder holding `Package.swift`, found upwards from this file.
    static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while url.path != "/", !FileManager.default.fileExists(atPath: url.path + "/Package.swift") {
            url = url.deletingLastPathComponent()
        }
        return url.path
    }()

    static var script: String { packageRoot + "/Tests/Compatibility/original_client.py" }

    static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: python) }

    /// Runs the script against `url` with `base` and `extra` arguments (`--guest`); its exit status
    /// and output. Blocks a thread of its own until the script ends.
    static func run(url: String, base: String, extra: [String] = []) async throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, url, base] + extra
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        return await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                let output = pipe.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                continuation.resume(returning: (process.terminationStatus, String(decoding: output, as: UTF8.self)))
            }
        }
    }
}

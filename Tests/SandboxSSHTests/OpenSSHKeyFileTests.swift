import Foundation
import SandboxCore
import Testing

@testable import SandboxSSH

/// The key files the library writes, read by OpenSSH's `ssh-keygen`, and the ones `ssh-keygen`
/// writes, read by the library.
@Suite(.timeLimit(.minutes(1))) struct OpenSSHKeyFileTests {
    static let keygenPath = "/usr/bin/ssh-keygen"

    func temporaryFolder() throws -> String {
        let path = FileManager.default.temporaryDirectory.path + "/sandboxssh-keys-" + UUID().uuidString.lowercased()
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    func keygen(_ arguments: [String]) throws -> String {
        // Output to a file, not a pipe: a long-lived process another test spawns at the same
        // moment could inherit the pipe's write end and keep the read from ever ending.
        let outputPath = FileManager.default.temporaryDirectory.path + "/keygen-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        let status = try SpawnedProcess(Self.keygenPath, arguments, stdout: outputPath).wait()
        let data = FileManager.default.contents(atPath: outputPath) ?? Data()
        try #require(status == 0, "ssh-keygen \(arguments) failed")
        return String(decoding: data, as: UTF8.self)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: keygenPath)))
    func sshKeygenReadsTheKeysWeWrite() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for _ in 0..<5 {
            let identity = SSHIdentity.generate(comment: "tester@sandbox")
            let path = folder + "/id"
            FileManager.default.createFile(
                atPath: path, contents: Data(identity.openSSHPrivateKey.utf8), attributes: [.posixPermissions: 0o600])
            let derived = try keygen(["-y", "-f", path]).trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(derived == identity.publicKey)
            try FileManager.default.removeItem(atPath: path)
        }
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: keygenPath)))
    func weReadTheKeysSSHKeygenWrites() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        _ = try keygen(["-q", "-t", "ed25519", "-N", "", "-C", "made-by-keygen", "-f", folder + "/id"])
        let identity = try SSHIdentity(
            openSSHPrivateKey: String(contentsOfFile: folder + "/id", encoding: .utf8), comment: "made-by-keygen")
        let publicLine = try String(contentsOfFile: folder + "/id.pub", encoding: .utf8)
        #expect(identity.publicKey == publicLine.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: keygenPath)))
    func encryptedAndOtherKeysAreRefused() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        _ = try keygen(["-q", "-t", "ed25519", "-N", "secret", "-f", folder + "/encrypted"])
        _ = try keygen(["-q", "-t", "ecdsa", "-N", "", "-f", folder + "/ecdsa"])
        for (name, why) in [("encrypted", "encrypted"), ("ecdsa", "not an Ed25519 key")] {
            do {
                _ = try SSHIdentity(openSSHPrivateKey: String(contentsOfFile: folder + "/" + name, encoding: .utf8))
                Issue.record("\(name) was accepted")
            } catch let error as SandboxError {
                #expect(error.code == .invalidArgument)
                #expect(error.message.contains(why), "\(error)")
            }
        }
    }

    @Test func damagedFilesAreRefused() throws {
        let good = SSHIdentity.generate().openSSHPrivateKey
        var lines = good.split(separator: "\n").map(String.init)
        lines[2] = String(lines[2].reversed())
        for text in ["", "hello", good.replacingOccurrences(of: "BEGIN", with: "START"), lines.joined(separator: "\n")]
        {
            #expect(throws: SandboxError.self) { _ = try SSHIdentity(openSSHPrivateKey: text) }
        }
    }

    @Test func theFileLayoutIsOpenSSHs() throws {
        let text = SSHIdentity.generate().openSSHPrivateKey
        let lines = text.split(separator: "\n")
        #expect(lines.first == "-----BEGIN OPENSSH PRIVATE KEY-----")
        #expect(lines.last == "-----END OPENSSH PRIVATE KEY-----")
        #expect(lines.dropFirst().dropLast().dropLast().allSatisfy { $0.count == 70 })
        #expect(text.hasSuffix("\n"))
    }

    @Test func loadOrCreateKeepsOneIdentity() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/ssh/id_ed25519"
        let first = try SSHIdentity.loadOrCreate(at: path)
        let second = try SSHIdentity.loadOrCreate(at: path)
        #expect(first.publicKey == second.publicKey)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        try "garbage".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: SandboxError.self) { _ = try SSHIdentity.loadOrCreate(at: path) }
    }

    @Test func remoteCommandsQuoteEverything() throws {
        let command = try SSHRemoteCommand.render(
            "echo 'hi'", environment: ["B": "x'y", "A": "1"], killAfter: .milliseconds(1500))
        #expect(
            command
                == "export A='1' B='x'\\''y'; set -- /bin/sh -c 'echo '\\''hi'\\'''; "
                + "if command -v timeout >/dev/null 2>&1; then exec timeout -s KILL 2 \"$@\"; fi; exec \"$@\"")
        #expect(
            try SSHRemoteCommand.render("true", environment: [:], killAfter: nil)
                == "set -- /bin/sh -c 'true'; exec \"$@\"")
        for name in ["1A", "A-B", "A B", "$(x)", ""] {
            #expect(throws: SandboxError.self) {
                _ = try SSHRemoteCommand.render("true", environment: [name: "1"], killAfter: nil)
            }
        }
    }
}

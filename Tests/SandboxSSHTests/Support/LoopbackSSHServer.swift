import Foundation
import SandboxCore
import SandboxSSH

/// OpenSSH's own `sshd` on 127.0.0.1 and a free port, started for one test and stopped by its PID:
/// its host key is one ``SSHHostKey/generateEd25519(comment:)`` made (so sshd itself proves that
/// the key file is right), and it lets in the keys in ``authorize(_:)`` for the user running the
/// tests. Needs `/usr/sbin/sshd` (openssh-server; `scripts/install-deps.sh` installs it).
final class LoopbackSSHServer: @unchecked Sendable {
    static let sshd = "/usr/sbin/sshd"
    static var available: Bool { FileManager.default.isExecutableFile(atPath: sshd) }

    let folder: String
    let port: Int
    let hostKey: SSHHostKey
    let user: String
    private let process: SpawnedProcess

    private init(hostKey: SSHHostKey, port: Int?) throws {
        folder = FileManager.default.temporaryDirectory.path + "/sandboxssh-test-" + UUID().uuidString.lowercased()
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        self.hostKey = hostKey
        user = String(cString: getpwuid(getuid())!.pointee.pw_name)
        // sshd's privilege separation folder; Debian makes it only when its service starts.
        if getuid() == 0 {
            try? FileManager.default.createDirectory(atPath: "/run/sshd", withIntermediateDirectories: true)
        }
        FileManager.default.createFile(
            atPath: folder + "/host_ed25519", contents: Data(hostKey.privateKey.utf8),
            attributes: [.posixPermissions: 0o600])
        FileManager.default.createFile(atPath: folder + "/authorized_keys", contents: Data())
        self.port = try port ?? Self.freePort()
        let config = """
            Port \(self.port)
            ListenAddress 127.0.0.1
            HostKey \(folder)/host_ed25519
            AuthorizedKeysFile \(folder)/authorized_keys
            PidFile \(folder)/sshd.pid
            UsePAM no
            StrictModes no
            PermitRootLogin prohibit-password
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            AcceptEnv NONE
            LogLevel VERBOSE

            """
        try config.write(toFile: folder + "/sshd_config", atomically: true, encoding: .utf8)
        process = try SpawnedProcess(
            Self.sshd, ["-D", "-e", "-f", folder + "/sshd_config"], stderr: folder + "/sshd.log")
    }

    /// A server that listens (waited for without blocking a thread).
    static func start(hostKey: SSHHostKey = .generateEd25519(), port: Int? = nil) async throws -> LoopbackSSHServer {
        let server = try LoopbackSSHServer(hostKey: hostKey, port: port)
        try await server.waitUntilListening()
        return server
    }

    /// Lets `identity` log in.
    func authorize(_ identity: SSHIdentity) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: folder + "/authorized_keys"))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data((identity.publicKey + "\n").utf8))
        try handle.close()
    }

    func target(hostKeys: [String]? = nil, user: String? = nil, port: Int? = nil) -> SSHTarget {
        SSHTarget(
            host: "127.0.0.1", port: port ?? self.port, user: user ?? self.user,
            hostKeys: hostKeys ?? [hostKey.publicKey])
    }

    var log: String { (try? String(contentsOfFile: folder + "/sshd.log", encoding: .utf8)) ?? "" }

    func stop() {
        if process.isRunning() {
            process.terminate()
            process.wait()
        }
        try? FileManager.default.removeItem(atPath: folder)
    }

    private func waitUntilListening() async throws {
        for _ in 0..<200 {
            if Self.accepts(port: port) { return }
            guard process.isRunning() else { break }
            try await Task.sleep(for: .milliseconds(25))
        }
        let log = self.log
        stop()
        throw CocoaError(.featureUnsupported, userInfo: [NSLocalizedDescriptionKey: "sshd did not listen: \(log)"])
    }

    /// A port nothing listens on right now (bound to 0, then released).
    static func freePort() throws -> Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(socket, raw, length) == 0 && getsockname(socket, raw, &length) == 0
            }
        }
        guard bound else { throw CocoaError(.fileWriteUnknown) }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func accepts(port: Int) -> Bool {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                connect(socket, raw, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}

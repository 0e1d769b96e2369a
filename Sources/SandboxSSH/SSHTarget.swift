import NIOSSH
import SandboxCore

/// Where ``SSHCommandRunner`` connects: an address, a login user and the host keys the server
/// must present (pinned: any other key ends the connection before anything is sent).
public struct SSHTarget: Sendable, Hashable {
    public var host: String
    public var port: Int
    public var user: String
    /// Public keys as `type base64 [comment]`; Ed25519 and ECDSA (P-256/384/521) are usable.
    public var hostKeys: [String]

    public init(host: String, port: Int = 22, user: String, hostKeys: [String]) {
        self.host = host
        self.port = port
        self.user = user
        self.hostKeys = hostKeys
    }

    /// A sandbox's endpoint at `address`.
    public init(address: String, endpoint: SSHEndpoint, port: Int = 22) {
        self.init(host: address, port: port, user: endpoint.user, hostKeys: endpoint.hostKeys)
    }

    func pinnedKeys() throws(SandboxError) -> [NIOSSHPublicKey] {
        guard (1...65_535).contains(port) else {
            throw SandboxError(.invalidArgument, "SSH port \(port) is not 1…65535")
        }
        guard !user.isEmpty, !user.utf8.contains(where: { $0 < 0x21 || $0 == 0x7f }) else {
            throw SandboxError(.invalidArgument, "SSH user \(user.debugDescription.prefix(40)) is not a user name")
        }
        var keys: [NIOSSHPublicKey] = []
        for line in hostKeys {
            do {
                keys.append(
                    try NIOSSHPublicKey(openSSHPublicKey: line.split(separator: " ").prefix(2).joined(separator: " ")))
            } catch {
                throw SandboxError(
                    .invalidArgument, "host key \(line.prefix(40).debugDescription) cannot be used: \(error)")
            }
        }
        guard !keys.isEmpty else {
            throw SandboxError(.invalidArgument, "no host key to pin for \(host): SSH will not trust whoever answers")
        }
        return keys
    }
}

import Crypto
import Foundation
import NIOSSH
import SandboxCore

/// An Ed25519 key that signs in to sandboxes: its public half goes into a sandbox's
/// `authorized_keys` (``UserData/sshAuthorizedKeys``), its private half stays with the caller.
/// One identity may serve every sandbox of a service: a guest sees only the public key and a
/// signature bound to its own session, which is worth nothing against another guest.
public struct SSHIdentity: Sendable {
    let key: Curve25519.Signing.PrivateKey
    /// The comment on ``publicKey`` (`sandboxcore` unless given).
    public let comment: String

    /// A new random key.
    public static func generate(comment: String = "sandboxcore") -> SSHIdentity {
        SSHIdentity(key: Curve25519.Signing.PrivateKey(), comment: comment)
    }

    /// The key in an unencrypted OpenSSH Ed25519 private key file (`ssh-keygen -t ed25519 -N ''`).
    public init(openSSHPrivateKey text: String, comment: String = "sandboxcore") throws(SandboxError) {
        self.init(key: try OpenSSHKeyFile.privateKey(from: text), comment: comment)
    }

    init(key: Curve25519.Signing.PrivateKey, comment: String) {
        self.key = key
        self.comment = comment
    }

    /// `ssh-ed25519 AAAA… comment`, for `authorized_keys`.
    public var publicKey: String { OpenSSHKeyFile.publicKeyLine(key.publicKey, comment: comment) }

    /// The private key file's text (mode 0600 material).
    public var openSSHPrivateKey: String { OpenSSHKeyFile.privateKeyFile(key, comment: comment) }

    var nioKey: NIOSSHPrivateKey { NIOSSHPrivateKey(ed25519Key: key) }

    /// Reads the key file at `path`, or makes a new key there (mode 0600, its folder 0700) when
    /// there is none, so a service keeps one identity across restarts.
    public static func loadOrCreate(at path: String, comment: String = "sandboxcore") throws(SandboxError)
        -> SSHIdentity
    {
        let manager = FileManager.default
        if manager.fileExists(atPath: path) {
            do {
                let text = try String(contentsOfFile: path, encoding: .utf8)
                return try SSHIdentity(openSSHPrivateKey: text, comment: comment)
            } catch let error as SandboxError {
                throw SandboxError(.invalidArgument, "\(path): \(error.message)")
            } catch {
                throw SandboxError(.io, "cannot read the SSH key \(path): \(error.localizedDescription)")
            }
        }
        let identity = generate(comment: comment)
        let folder = (path as NSString).deletingLastPathComponent
        do {
            try manager.createDirectory(
                atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let temporary = path + ".tmp-\(getpid())"
            guard
                manager.createFile(
                    atPath: temporary, contents: Data(identity.openSSHPrivateKey.utf8),
                    attributes: [.posixPermissions: 0o600])
            else { throw CocoaError(.fileWriteUnknown) }
            if rename(temporary, path) != 0 {
                unlink(temporary)
                throw CocoaError(.fileWriteUnknown)
            }
        } catch {
            throw SandboxError(.io, "cannot write the SSH key \(path): \(error.localizedDescription)")
        }
        return identity
    }
}

extension SSHHostKey {
    /// A new Ed25519 host key for one sandbox's seed.
    public static func generateEd25519(comment: String = "sandboxcore-host") -> SSHHostKey {
        let key = Curve25519.Signing.PrivateKey()
        return SSHHostKey(
            privateKey: OpenSSHKeyFile.privateKeyFile(key, comment: comment),
            publicKey: OpenSSHKeyFile.publicKeyLine(key.publicKey, comment: comment))
    }
}

extension UserData {
    /// Lets `identity` log in as ``sshUser`` and gives the guest a new Ed25519 host key, whose
    /// public half the sandbox's metadata then records (``SSHEndpoint``) for ``SSHCommandRunner``
    /// to pin.
    public mutating func allowSSH(from identity: SSHIdentity) {
        if !sshAuthorizedKeys.contains(identity.publicKey) { sshAuthorizedKeys.append(identity.publicKey) }
        sshHostKeys.removeAll { $0.algorithm == .ed25519 }
        sshHostKeys.append(.generateEd25519())
    }
}

import SandboxValues

/// A host key the seed installs as the guest's sshd host key (cloud-init's `ssh_keys`), in place
/// of the keys the guest would otherwise generate on its first boot. Whoever made the key knows
/// the guest's identity before it boots and can pin it, instead of trusting the first key that
/// answers on the network. `SandboxSSH` generates them (`SSHHostKey.generateEd25519()`).
public struct SSHHostKey: Sendable, Hashable {
    /// The key types cloud-init installs, named as in `ssh_keys` (`ed25519_private` …).
    public enum Algorithm: String, Sendable, Hashable, CaseIterable {
        case ed25519, ecdsa, rsa
    }

    /// The unencrypted private key in OpenSSH's file format
    /// (`-----BEGIN OPENSSH PRIVATE KEY-----` …). It goes into the seed, and nowhere else.
    public var privateKey: String
    /// The public key as one `authorized_keys`-style line: `ssh-ed25519 AAAA… [comment]`.
    public var publicKey: String

    public init(privateKey: String, publicKey: String) {
        self.privateKey = privateKey
        self.publicKey = publicKey
    }

    /// The algorithm named by the public key's type; nil for a type cloud-init cannot install.
    public var algorithm: Algorithm? {
        switch publicKey.split(separator: " ", maxSplits: 1).first {
        case "ssh-ed25519": .ed25519
        case "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521": .ecdsa
        case "ssh-rsa": .rsa
        default: nil
        }
    }

    /// The public key without its comment (`type base64`), as a server presents it.
    public var publicKeyWithoutComment: String {
        publicKey.split(separator: " ").prefix(2).joined(separator: " ")
    }

    /// The first and last lines of an OpenSSH private key file.
    public static let privateKeyHeaderLine = "-----BEGIN OPENSSH PRIVATE KEY-----"
    public static let privateKeyFooterLine = "-----END OPENSSH PRIVATE KEY-----"

    package func validate() throws(SandboxError) {
        try ValueChecks.freeText(publicKey, what: "SSH host public key", maxBytes: 16_384)
        guard algorithm != nil, publicKey.split(separator: " ").count >= 2 else {
            throw .invalid(
                "SSH host public key \(ValueChecks.quoted(publicKey)) is not 'ssh-ed25519|ecdsa-sha2-…|ssh-rsa <base64>'"
            )
        }
        let lines = privateKey.split(separator: "\n", omittingEmptySubsequences: true)
        guard privateKey.utf8.count <= 16_384, lines.first == Substring(Self.privateKeyHeaderLine),
            lines.last == Substring(Self.privateKeyFooterLine),
            lines.dropFirst().dropLast().allSatisfy({ line in
                line.utf8.allSatisfy { ValueChecks.isBase64Byte($0) }
            })
        else {
            throw .invalid("SSH host private key is not an unencrypted OpenSSH private key file")
        }
    }
}

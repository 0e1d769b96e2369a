import Crypto
import Foundation
import SandboxCore

/// OpenSSH's file formats for an Ed25519 key: the unencrypted private key file
/// (`openssh-key-v1`, as `ssh-keygen -t ed25519 -N ''` writes it) and the one-line public key.
/// Pure functions of the key (and of the check word and comment), so tests can pin the bytes.
enum OpenSSHKeyFile {
    static let keyType = "ssh-ed25519"
    private static let magic = Array("openssh-key-v1".utf8) + [0]

    /// `ssh-ed25519 BASE64 [comment]`.
    static func publicKeyLine(_ key: Curve25519.Signing.PublicKey, comment: String = "") -> String {
        let line = keyType + " " + Data(publicBlob(key)).base64EncodedString()
        return comment.isEmpty ? line : line + " " + comment
    }

    /// The private key file's text, lines of 70 base64 characters, ending in a newline.
    static func privateKeyFile(
        _ key: Curve25519.Signing.PrivateKey, comment: String = "", checkWord: UInt32 = .random(in: .min ... .max)
    ) -> String {
        let publicKey = Array(key.publicKey.rawRepresentation)
        var secret: [UInt8] = []
        appendUInt32(checkWord, to: &secret)
        appendUInt32(checkWord, to: &secret)
        appendString(Array(keyType.utf8), to: &secret)
        appendString(publicKey, to: &secret)
        appendString(Array(key.rawRepresentation) + publicKey, to: &secret)
        appendString(Array(comment.utf8), to: &secret)
        var pad: UInt8 = 1
        while secret.count % 8 != 0 {
            secret.append(pad)
            pad += 1
        }
        var file = magic
        appendString(Array("none".utf8), to: &file)
        appendString(Array("none".utf8), to: &file)
        appendString([], to: &file)
        appendUInt32(1, to: &file)
        appendString(publicBlob(key.publicKey), to: &file)
        appendString(secret, to: &file)
        let base64 = Data(file).base64EncodedString()
        var lines = [SSHHostKey.privateKeyHeaderLine]
        var index = base64.startIndex
        while index < base64.endIndex {
            let end = base64.index(index, offsetBy: 70, limitedBy: base64.endIndex) ?? base64.endIndex
            lines.append(String(base64[index..<end]))
            index = end
        }
        lines.append(SSHHostKey.privateKeyFooterLine)
        return lines.joined(separator: "\n") + "\n"
    }

    /// Reads an unencrypted Ed25519 private key file; `.invalidArgument` for anything else
    /// (another key type, a passphrase, a damaged file).
    static func privateKey(from text: String) throws(SandboxError) -> Curve25519.Signing.PrivateKey {
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        guard lines.first == SSHHostKey.privateKeyHeaderLine, lines.last == SSHHostKey.privateKeyFooterLine,
            let data = Data(base64Encoded: lines.dropFirst().dropLast().joined())
        else { throw invalid("it is not an OpenSSH private key file") }
        var reader = Reader(bytes: Array(data))
        guard reader.take(magic.count) == magic else { throw invalid("it is not an openssh-key-v1 file") }
        guard let cipher = reader.string(), let kdf = reader.string(), reader.string() != nil else {
            throw invalid("its header is cut short")
        }
        guard cipher == Array("none".utf8), kdf == Array("none".utf8) else {
            throw invalid("it is encrypted (remove the passphrase with ssh-keygen -p)")
        }
        guard reader.uint32() == 1, reader.string() != nil, let secretBytes = reader.string() else {
            throw invalid("it does not hold exactly one key")
        }
        var secret = Reader(bytes: secretBytes)
        guard let check1 = secret.uint32(), let check2 = secret.uint32(), check1 == check2 else {
            throw invalid("its check words differ")
        }
        guard secret.string() == Array(keyType.utf8) else { throw invalid("it is not an Ed25519 key") }
        guard let publicKey = secret.string(), publicKey.count == 32, let privateKey = secret.string(),
            privateKey.count == 64
        else { throw invalid("its Ed25519 key is cut short") }
        guard let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: privateKey.prefix(32)),
            Array(key.publicKey.rawRepresentation) == publicKey, Array(privateKey.suffix(32)) == publicKey
        else { throw invalid("its private and public halves do not match") }
        return key
    }

    private static func invalid(_ why: String) -> SandboxError {
        SandboxError(.invalidArgument, "the SSH private key cannot be used: \(why)")
    }

    private static func publicBlob(_ key: Curve25519.Signing.PublicKey) -> [UInt8] {
        var blob: [UInt8] = []
        appendString(Array(keyType.utf8), to: &blob)
        appendString(Array(key.rawRepresentation), to: &blob)
        return blob
    }

    private static func appendUInt32(_ value: UInt32, to bytes: inout [UInt8]) {
        bytes += [UInt8(value >> 24), UInt8((value >> 16) & 0xff), UInt8((value >> 8) & 0xff), UInt8(value & 0xff)]
    }

    private static func appendString(_ value: [UInt8], to bytes: inout [UInt8]) {
        appendUInt32(UInt32(value.count), to: &bytes)
        bytes += value
    }

    /// SSH wire reads (RFC 4251 §5): big-endian uint32, length-prefixed strings.
    private struct Reader {
        var bytes: [UInt8]
        var offset = 0

        mutating func take(_ count: Int) -> [UInt8]? {
            guard count >= 0, bytes.count - offset >= count else { return nil }
            defer { offset += count }
            return Array(bytes[offset..<offset + count])
        }

        mutating func uint32() -> UInt32? {
            take(4).map { $0.reduce(0) { $0 << 8 | UInt32($1) } }
        }

        mutating func string() -> [UInt8]? {
            guard let count = uint32() else { return nil }
            return take(Int(count))
        }
    }
}

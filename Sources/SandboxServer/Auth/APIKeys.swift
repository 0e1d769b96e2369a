import Crypto
import Foundation
import SandboxCore

/// The API keys a server accepts, read from `SANDBOX_API_KEYS_FILE`.
///
/// One key per line: `TENANT SHA256_HEX_OF_KEY [admin]`; blank lines and lines starting with `#`
/// are ignored. Only the keys' SHA-256 digests are stored, never the keys. A tenant may have
/// several keys (one line each, e.g. while rotating); its lines must agree on `admin`.
///
/// Make a line with: `printf %s "$KEY" | sha256sum`.
public struct APIKeys: Sendable {
    struct Entry: Sendable {
        var tenant: Tenant
        var digest: [UInt8]
    }

    let entries: [Entry]

    /// The most lines a keys file may hold.
    public static let maxEntries = 10_000
    /// The longest key accepted in an `Authorization` header; longer ones are refused unhashed.
    public static let maxKeyBytes = 512

    /// Parses the file's text; any malformed line is `.invalidArgument` naming the line number.
    public init(text: String) throws(SandboxError) {
        var entries: [Entry] = []
        var adminByTenant: [String: Bool] = [:]
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let number = index + 1
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard fields.count == 2 || (fields.count == 3 && fields[2] == "admin") else {
                throw SandboxError(
                    .invalidArgument, "API keys line \(number): expected 'TENANT SHA256_HEX [admin]'")
            }
            let tenant = fields[0]
            guard tenant.utf8.count <= 64, !tenant.isEmpty,
                tenant.utf8.allSatisfy({ Self.tenantBytes.contains($0) })
            else {
                throw SandboxError(
                    .invalidArgument,
                    "API keys line \(number): a tenant is 1–64 letters, digits, '.', '_' or '-'")
            }
            guard let digest = Self.hexBytes(fields[1]), digest.count == SHA256.byteCount else {
                throw SandboxError(
                    .invalidArgument, "API keys line \(number): the key's SHA-256 must be 64 hex digits")
            }
            let isAdmin = fields.count == 3
            if let earlier = adminByTenant[tenant], earlier != isAdmin {
                throw SandboxError(
                    .invalidArgument,
                    "API keys line \(number): tenant \(tenant) is admin on one line and not on another")
            }
            adminByTenant[tenant] = isAdmin
            entries.append(Entry(tenant: Tenant(name: tenant, isAdmin: isAdmin), digest: digest))
            guard entries.count <= Self.maxEntries else {
                throw SandboxError(.invalidArgument, "API keys: more than \(Self.maxEntries) lines")
            }
        }
        guard !entries.isEmpty else { throw SandboxError(.invalidArgument, "API keys: the file holds no key") }
        self.entries = entries
    }

    /// Reads and parses the file at `path`.
    public init(contentsOf path: String) throws(SandboxError) {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw SandboxError(.invalidArgument, "cannot read the API keys file \(path): \(error.localizedDescription)")
        }
        try self.init(text: text)
    }

    /// The tenant whose key `key` is, or nil. Compares every entry's digest in constant time, so the
    /// time taken says nothing about which digest bytes matched.
    public func tenant(forKey key: String) -> Tenant? {
        guard !key.isEmpty, key.utf8.count <= Self.maxKeyBytes else { return nil }
        let digest = Array(SHA256.hash(data: Data(key.utf8)))
        var found: Tenant?
        for entry in entries {
            var difference: UInt8 = 0
            for (a, b) in zip(entry.digest, digest) { difference |= a ^ b }
            if difference == 0 { found = entry.tenant }
        }
        return found
    }

    /// The tenants named in the file.
    public var tenants: [Tenant] {
        var seen = Set<String>()
        return entries.compactMap { seen.insert($0.tenant.name).inserted ? $0.tenant : nil }
    }

    private static let tenantBytes = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-".utf8)

    private static func hexBytes(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = nibble(digits[index]), let low = nibble(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    private static func nibble(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

import Glibc

/// An IPv4 or IPv6 unicast address, parsed and kept in its canonical text form
/// (`10.0.0.5`, `fd00::5`). Zone suffixes (`%eth0`) are refused: they mean nothing in a guest's
/// configuration.
public struct IPAddress: Sendable, Hashable, Codable, CustomStringConvertible, LosslessStringConvertible {
    public let family: IPAddressFamily
    /// Network-order bytes: 4 for IPv4, 16 for IPv6.
    public let bytes: [UInt8]

    /// Parses dotted-quad IPv4 or RFC 4291 IPv6 text. Throws `.invalidArgument` otherwise.
    public init(parsing text: String) throws(SandboxError) {
        var v4 = in_addr()
        var v6 = in6_addr()
        if text.utf8.count <= 15, inet_pton(AF_INET, text, &v4) == 1 {
            family = .ipv4
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
        } else if text.utf8.count <= 45, inet_pton(AF_INET6, text, &v6) == 1 {
            family = .ipv6
            bytes = withUnsafeBytes(of: &v6) { Array($0) }
        } else {
            throw .invalid("\(ValueChecks.quoted(text)) is not an IPv4 or IPv6 address")
        }
    }

    public init?(_ description: String) {
        guard let value = try? IPAddress(parsing: description) else { return nil }
        self = value
    }

    /// The netmask of a prefix length (`255.255.255.0` for IPv4 /24, `ffff:ffff:ffff:ffff::` for IPv6 /64).
    package static func netmask(family: IPAddressFamily, prefixLength: Int) -> IPAddress {
        let count = family == .ipv4 ? 4 : 16
        var bytes = [UInt8](repeating: 0, count: count)
        var remaining = max(0, min(prefixLength, count * 8))
        for index in bytes.indices where remaining > 0 {
            let bits = min(remaining, 8)
            bytes[index] = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
            remaining -= bits
        }
        return IPAddress(family: family, bytes: bytes)
    }

    private init(family: IPAddressFamily, bytes: [UInt8]) {
        self.family = family
        self.bytes = bytes
    }

    /// The canonical text (`inet_ntop`).
    public var description: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let domain = family == .ipv4 ? AF_INET : AF_INET6
        let ok = bytes.withUnsafeBytes { raw in
            inet_ntop(domain, raw.baseAddress, &buffer, socklen_t(buffer.count)) != nil
        }
        guard ok else { return "?" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The largest prefix length of the family: 32 or 128.
    public var maxPrefixLength: Int { family == .ipv4 ? 32 : 128 }

    /// Whether the address is in `network/prefix`.
    public func isIn(_ network: IPAddress, prefixLength: Int) -> Bool {
        guard family == network.family, (0...maxPrefixLength).contains(prefixLength) else { return false }
        var remaining = prefixLength
        for index in bytes.indices where remaining > 0 {
            let bits = min(remaining, 8)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
            if bytes[index] & mask != network.bytes[index] & mask { return false }
            remaining -= bits
        }
        return true
    }

    /// Throws unless the address can be given to (or used as a gateway by) a guest NIC: not
    /// unspecified, loopback, multicast or the IPv4 broadcast address.
    package func requireUnicast(what: String) throws(SandboxError) {
        let scope = AddressSelection.classify(description)?.scope
        let multicast = family == .ipv4 ? bytes[0] >= 224 : bytes[0] == 0xFF
        guard scope == .usable || scope == .linkLocal, !multicast else {
            throw .invalid("\(what) \(description) is not a unicast address")
        }
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { try self.init(parsing: text) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.message))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// An address with its prefix length, as a NIC carries it: `10.0.0.5/24`, `fd00::5/64`.
public struct IPInterfaceAddress: Sendable, Hashable, Codable, CustomStringConvertible, LosslessStringConvertible {
    public let address: IPAddress
    public let prefixLength: Int

    /// Throws `.invalidArgument` for a non-unicast address or a prefix outside 1…32 (IPv4) or
    /// 1…128 (IPv6).
    public init(address: IPAddress, prefixLength: Int) throws(SandboxError) {
        try address.requireUnicast(what: "interface address")
        guard (1...address.maxPrefixLength).contains(prefixLength) else {
            throw .invalid("prefix length \(prefixLength) of \(address) must be 1–\(address.maxPrefixLength)")
        }
        self.address = address
        self.prefixLength = prefixLength
    }

    /// Parses `ADDRESS/PREFIX`.
    public init(parsing text: String) throws(SandboxError) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, let prefix = Int(parts[1]), parts[1].allSatisfy(\.isASCII) else {
            throw .invalid("\(ValueChecks.quoted(text)) is not ADDRESS/PREFIX (such as 10.0.0.5/24)")
        }
        try self.init(address: try IPAddress(parsing: String(parts[0])), prefixLength: prefix)
    }

    public init?(_ description: String) {
        guard let value = try? IPInterfaceAddress(parsing: description) else { return nil }
        self = value
    }

    public var family: IPAddressFamily { address.family }
    public var description: String { "\(address)/\(prefixLength)" }

    /// Whether `other` is on this address's subnet.
    public func contains(_ other: IPAddress) -> Bool { other.isIn(address, prefixLength: prefixLength) }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { try self.init(parsing: text) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.message))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// A unicast Ethernet MAC address, always rendered as lowercase `aa:bb:cc:dd:ee:ff`.
///
/// Parsing accepts only the colon-separated six-octet form; multicast, broadcast and all-zero
/// addresses are rejected because a NIC cannot own them.
public struct MACAddress: Sendable, Hashable, Codable, CustomStringConvertible, LosslessStringConvertible {
    /// The six octets, most significant first.
    public let octets: [UInt8]

    /// Parses `aa:bb:cc:dd:ee:ff` (case-insensitive). Throws `.invalidArgument` otherwise.
    public init(parsing text: String) throws(SandboxError) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 6 else {
            throw .invalid("MAC address \(ValueChecks.quoted(text)) must be six hex octets separated by ':'")
        }
        var octets: [UInt8] = []
        for part in parts {
            guard part.count == 2, part.allSatisfy(\.isHexDigit), let value = UInt8(part, radix: 16) else {
                throw .invalid("MAC address \(ValueChecks.quoted(text)) must be six hex octets separated by ':'")
            }
            octets.append(value)
        }
        try self.init(octets: octets)
    }

    /// Builds an address from six octets. Throws `.invalidArgument` for multicast or all-zero addresses.
    public init(octets: [UInt8]) throws(SandboxError) {
        guard octets.count == 6 else { throw .invalid("a MAC address has 6 octets, not \(octets.count)") }
        guard octets[0] & 0x01 == 0 else {
            throw .invalid("MAC address \(Self.render(octets)) is multicast; a NIC needs a unicast address")
        }
        guard octets.contains(where: { $0 != 0 }) else {
            throw .invalid("MAC address 00:00:00:00:00:00 is not a usable address")
        }
        self.octets = octets
    }

    public init?(_ description: String) {
        guard let value = try? MACAddress(parsing: description) else { return nil }
        self = value
    }

    /// A random address in QEMU's locally used `52:54:00` prefix.
    public static func random<G: RandomNumberGenerator>(using generator: inout G) -> MACAddress {
        let tail = (0..<3).map { _ in UInt8.random(in: 0...255, using: &generator) }
        // 52:54:00 is unicast and non-zero, so this cannot fail.
        return try! MACAddress(octets: [0x52, 0x54, 0x00] + tail)
    }

    /// A random address in QEMU's `52:54:00` prefix from the system generator.
    public static func random() -> MACAddress {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    public var description: String { Self.render(octets) }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        self = try MACAddress(parsing: text)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    private static func render(_ octets: [UInt8]) -> String {
        octets.map { byte in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined(separator: ":")
    }

}

/// A host name that is a single RFC 1123 label: 1–63 ASCII letters, digits and hyphens,
/// neither starting nor ending with a hyphen.
///
/// Such a name is safe in YAML, XML, file names and DHCP options without any escaping.
public struct Hostname: Sendable, Hashable, Codable, CustomStringConvertible {
    public let value: String

    /// Validates `text`. Throws `.invalidArgument` with the reason when it is not a valid label.
    public init(_ text: String) throws(SandboxError) {
        guard !text.isEmpty else { throw .invalid("hostname must not be empty") }
        guard text.utf8.count <= 63 else {
            throw .invalid("hostname \(ValueChecks.quoted(text)) is longer than 63 characters")
        }
        guard text.utf8.allSatisfy(Self.isLabelByte) else {
            throw .invalid("hostname \(ValueChecks.quoted(text)) may only contain ASCII letters, digits and '-'")
        }
        guard text.first != "-", text.last != "-" else {
            throw .invalid("hostname \(ValueChecks.quoted(text)) must not start or end with '-'")
        }
        value = text
    }

    public var description: String { value }

    public init(from decoder: any Decoder) throws {
        self = try Hostname(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }

    package static func isLabelByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }
}

/// The name of a sandbox: its libvirt domain name, its job folder's name, its cloud-init
/// `instance-id`, and (by default) its host name.
///
/// 1–63 characters: ASCII letters, digits, `-`, `_` and `.`; it starts with a letter or digit and
/// contains no `..`. Such a name is safe as a file name and in XML and YAML.
public struct SandboxName: Sendable, Hashable, Codable, CustomStringConvertible, Comparable {
    public let value: String

    public init(_ text: String) throws(SandboxError) {
        guard !text.isEmpty else { throw .invalid("sandbox name must not be empty") }
        guard text.utf8.count <= 63 else {
            throw .invalid("sandbox name \(ValueChecks.quoted(text)) is longer than 63 characters")
        }
        guard text.utf8.allSatisfy({ Hostname.isLabelByte($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") })
        else {
            throw .invalid(
                "sandbox name \(ValueChecks.quoted(text)) may only contain ASCII letters, digits, '-', '_' and '.'")
        }
        guard let first = text.utf8.first, first != UInt8(ascii: "-"), first != UInt8(ascii: "_"),
            first != UInt8(ascii: ".")
        else {
            throw .invalid("sandbox name \(ValueChecks.quoted(text)) must start with a letter or digit")
        }
        guard !text.contains("..") else {
            throw .invalid("sandbox name \(ValueChecks.quoted(text)) must not contain '..'")
        }
        value = text
    }

    /// A fresh name `sbx-` followed by 8 random hex digits.
    public static func generate<G: RandomNumberGenerator>(using generator: inout G) -> SandboxName {
        let hex = String(UInt32.random(in: 0...UInt32.max, using: &generator), radix: 16)
        return try! SandboxName("sbx-" + String(repeating: "0", count: 8 - hex.count) + hex)
    }

    /// A fresh name `sbx-xxxxxxxx` from the system generator.
    public static func generate() -> SandboxName {
        var generator = SystemRandomNumberGenerator()
        return generate(using: &generator)
    }

    /// The host name this sandbox gets unless the caller names one: the name lowercased, with
    /// `_` and `.` turned into `-`.
    public var defaultHostname: Hostname {
        get throws(SandboxError) {
            let mapped = String(value.lowercased().map { $0 == "_" || $0 == "." ? "-" : $0 })
            return try Hostname(mapped)
        }
    }

    public var description: String { value }

    public static func < (lhs: SandboxName, rhs: SandboxName) -> Bool { lhs.value < rhs.value }

    public init(from decoder: any Decoder) throws {
        self = try SandboxName(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}

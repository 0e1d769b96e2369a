import SandboxValues

/// Writes the block-style YAML of the seed's fixed-shape files (meta-data, network-config)
/// directly: the same text Yams emits for them, without building and serialising a node tree
/// (which cost more than the whole ISO). Caller strings are always double-quoted and escaped so
/// that PyYAML (YAML 1.1, what cloud-init reads with) gets back exactly the same string.
///
/// Free-form documents (user-data with caller-supplied cloud-config) still go through Yams.
package struct YAMLBlockWriter {
    private(set) var text = ""

    /// `key:` opening a nested mapping at `depth` (two spaces each).
    package mutating func open(_ key: String, depth: Int) {
        indent(depth)
        text += Self.key(key)
        text += ":\n"
    }

    /// `key: "value"`, the value double-quoted.
    package mutating func quoted(_ key: String, _ value: String, depth: Int) {
        indent(depth)
        text += Self.key(key)
        text += ": "
        text += Self.doubleQuoted(value)
        text += "\n"
    }

    /// `key: value` for a value the writer's caller knows is a plain YAML token (`true`, `2`, `mac`).
    package mutating func plain(_ key: String, _ value: String, depth: Int) {
        indent(depth)
        text += Self.key(key)
        text += ": "
        text += value
        text += "\n"
    }

    /// `key: [item, item]`: a flow sequence of items the caller has already rendered (double-quoted
    /// scalars or flow mappings built with ``doubleQuoted(_:)``).
    package mutating func flowList(_ key: String, _ items: [String], depth: Int) {
        indent(depth)
        text += Self.key(key)
        text += ": ["
        text += items.joined(separator: ", ")
        text += "]\n"
    }

    private mutating func indent(_ depth: Int) {
        for _ in 0..<depth { text += "  " }
    }

    /// A mapping key: plain when it is an identifier YAML 1.1 reads back as the same string,
    /// double-quoted otherwise (`on`, `yes`, `null`, `0x1`, `a:b` …).
    package static func key(_ key: String) -> String {
        let bytes = key.utf8
        guard let first = bytes.first, Self.isLetter(first),
            bytes.allSatisfy({ isLetter($0) || (0x30...0x39).contains($0) || $0 == 0x2D || $0 == 0x5F }),
            !reservedWords.contains(key.lowercased())
        else { return doubleQuoted(key) }
        return key
    }

    private static func isLetter(_ byte: UInt8) -> Bool { (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) }

    /// Words YAML 1.1 resolves to booleans or null when plain.
    private static let reservedWords: Set<String> = ["y", "n", "yes", "no", "true", "false", "on", "off", "null"]

    /// A YAML double-quoted scalar. Escapes `\` and `"`, and every character PyYAML would refuse
    /// in a stream or fold as a line break: C0 controls, DEL, C1 controls (NEL too), the line and
    /// paragraph separators, the BOM and the non-characters U+FFFE/U+FFFF.
    package static func doubleQuoted(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar.value {
            case 0x5C: out += "\\\\"
            case 0x22: out += "\\\""
            case 0x0A: out += "\\n"
            case 0x09: out += "\\t"
            case 0x0D: out += "\\r"
            case 0x00...0x1F, 0x7F...0x9F: out += "\\x" + hex(scalar.value, digits: 2)
            case 0x2028: out += "\\L"
            case 0x2029: out += "\\P"
            case 0xFEFF, 0xFFFE, 0xFFFF: out += "\\u" + hex(scalar.value, digits: 4)
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
        return out
    }

    private static func hex(_ value: UInt32, digits: Int) -> String {
        let text = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }
}

/// Checks shared by the models: paths, tokens and free text that end up in XML, YAML or on disk.
package enum ValueChecks {
    /// An absolute path without control characters (NUL, newline …), without `..` components,
    /// at most 4095 bytes.
    package static func absolutePath(_ path: String, what: String) throws(SandboxError) {
        guard path.hasPrefix("/") else {
            throw .invalid("\(what) \(ValueChecks.quoted(path)) must be an absolute path")
        }
        guard path.utf8.count <= 4095 else { throw .invalid("\(what) is longer than 4095 bytes") }
        guard !containsControl(path) else {
            throw .invalid("\(what) \(ValueChecks.quoted(path)) contains control characters")
        }
        guard !path.split(separator: "/").contains("..") else {
            throw .invalid("\(what) \(ValueChecks.quoted(path)) must not contain '..'")
        }
    }

    /// A token such as a libvirt network, bridge or machine name: 1–64 of `[A-Za-z0-9._:-]`.
    package static func token(_ text: String, what: String, extra: Set<UInt8> = []) throws(SandboxError) {
        guard !text.isEmpty, text.utf8.count <= 64 else {
            throw .invalid("\(what) \(ValueChecks.quoted(text)) must be 1–64 characters")
        }
        let allowed: Set<UInt8> = Set(".-_:".utf8).union(extra)
        guard text.utf8.allSatisfy({ Hostname.isLabelByte($0) || allowed.contains($0) }) else {
            throw .invalid("\(what) \(ValueChecks.quoted(text)) may only contain letters, digits and '._:-'")
        }
    }

    /// Free text (a kernel command line, an agent id): no control characters, bounded length.
    package static func freeText(_ text: String, what: String, maxBytes: Int) throws(SandboxError) {
        guard text.utf8.count <= maxBytes else { throw .invalid("\(what) is longer than \(maxBytes) bytes") }
        guard !containsControl(text) else {
            throw .invalid("\(what) \(ValueChecks.quoted(text)) contains control characters")
        }
    }

    /// A caller's value for an error message: in double quotes, control characters and quotes
    /// escaped (so a hostile value cannot forge extra log lines), clipped at 200 characters.
    package static func quoted(_ text: String) -> String {
        let clipped = text.count > 200 ? String(text.prefix(200)) + "…" : text
        return "\"" + clipped.unicodeScalars.map { $0.escaped(asASCII: false) }.joined() + "\""
    }

    package static func containsControl(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7f || (0x80..<0xa0).contains($0.value) }
    }

    /// A byte of standard base64 (`A–Z a–z 0–9 + / =`).
    package static func isBase64Byte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "/"), UInt8(ascii: "="):
            true
        default: false
        }
    }
}

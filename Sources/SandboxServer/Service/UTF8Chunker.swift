import Foundation

/// Turns a byte stream into UTF-8 text chunks without splitting a character: an incomplete
/// sequence at the end of a chunk waits for the next one. Bytes that are not UTF-8 become U+FFFD.
package struct UTF8Chunker: Sendable {
    private var pending = Data()

    package init() {}

    /// The text of the bytes so far, but an incomplete trailing character; nil when there is none.
    package mutating func text(appending data: Data) -> String? {
        pending.append(data)
        let cut = Self.completePrefixLength(of: pending)
        guard cut > 0 else { return nil }
        let text = String(decoding: pending.prefix(cut), as: UTF8.self)
        pending = Data(pending.dropFirst(cut))
        return text
    }

    /// What is still pending (the stream ended inside a character); nil when nothing is.
    package mutating func rest() -> String? {
        defer { pending = Data() }
        return pending.isEmpty ? nil : String(decoding: pending, as: UTF8.self)
    }

    /// The length of `bytes` without a trailing, incomplete UTF-8 sequence (at most 3 bytes).
    static func completePrefixLength(of bytes: Data) -> Int {
        let end = bytes.endIndex
        var index = end
        // Back over at most three continuation bytes to the lead byte of the last character.
        while index > bytes.startIndex, end - index < 3, bytes[index - 1] & 0xC0 == 0x80 { index -= 1 }
        guard index > bytes.startIndex else { return bytes.count }
        let lead = bytes[index - 1]
        let needed: Int =
            switch lead {
            case 0xC0...0xDF: 2
            case 0xE0...0xEF: 3
            case 0xF0...0xF7: 4
            default: 1
            }
        let have = end - (index - 1)
        return have < needed ? (index - 1) - bytes.startIndex : bytes.count
    }
}

import Foundation
import SandboxCore

/// Reads typed values out of the process environment for ``ServerConfiguration``,
/// ``ServerPolicy`` and ``IsolationSettings``. An unset variable reads as nil; a set but invalid
/// one (empty, not a number, out of range, a malformed duration or list) is `.invalidArgument`
/// naming the variable and showing at most 64 characters of its value.
struct EnvironmentReader {
    let environment: [String: String]

    /// The trimmed value; nil when unset.
    func value(_ name: String) throws(SandboxError) -> String? {
        guard let text = environment[name] else { return nil }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw SandboxError(.invalidArgument, "\(name) is set but empty") }
        return trimmed
    }

    /// A whole number (digits only) in `range`.
    func integer(_ name: String, in range: ClosedRange<Int64>) throws(SandboxError) -> Int? {
        guard let text = try value(name) else { return nil }
        guard text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            let number = Int64(text), range.contains(number)
        else {
            throw SandboxError(
                .invalidArgument,
                "\(name) must be a whole number \(range.lowerBound)…\(range.upperBound), not \(Self.shown(text))")
        }
        return Int(number)
    }

    /// A Go-style duration (`90s`, `1m30s`) in `range`.
    func duration(_ name: String, in range: ClosedRange<Duration>) throws(SandboxError) -> Duration? {
        guard let text = try value(name) else { return nil }
        let parsed: Duration
        do {
            parsed = try GoDuration.parse(text)
        } catch {
            throw SandboxError(.invalidArgument, "\(name): \(error.message)")
        }
        guard range.contains(parsed) else {
            throw SandboxError(
                .invalidArgument,
                "\(name) must be \(GoDuration.format(range.lowerBound))…\(GoDuration.format(range.upperBound)), not \(Self.shown(text))"
            )
        }
        return parsed
    }

    /// A duration in `range`, in whole seconds.
    func seconds(_ name: String, in range: ClosedRange<Duration>) throws(SandboxError) -> Int? {
        try duration(name, in: range).map { Int($0.components.seconds) }
    }

    /// `true`/`1`/`yes`/`on` or `false`/`0`/`no`/`off`.
    func flag(_ name: String) throws(SandboxError) -> Bool? {
        guard let text = try value(name) else { return nil }
        switch text.lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default: throw SandboxError(.invalidArgument, "\(name) must be true or false, not \(Self.shown(text))")
        }
    }

    /// Comma-separated names, each 1…255 bytes without control characters.
    func names(_ name: String, what: String) throws(SandboxError) -> Set<String>? {
        guard let text = try value(name) else { return nil }
        var result: Set<String> = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let item = part.trimmingCharacters(in: .whitespaces)
            guard !item.isEmpty, item.utf8.count <= 255,
                !item.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
            else {
                throw SandboxError(
                    .invalidArgument, "\(name) must be comma-separated \(what) names, not \(Self.shown(text))")
            }
            result.insert(item)
        }
        return result
    }

    /// A value for an error message: at most 64 characters.
    static func shown(_ text: String) -> String {
        "'" + (text.count > 64 ? String(text.prefix(64)) + "…" : text) + "'"
    }
}

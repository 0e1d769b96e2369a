/// Go's duration syntax (`time.ParseDuration`), as used by `IP_DISCOVERY_TIMEOUT`: one or more
/// decimal numbers, each with an optional fraction and a unit — `500ms`, `90s`, `2m`, `1m30s`,
/// `1.5h`, `.5s`. Units: `ns`, `us` (or `µs`), `ms`, `s`, `m`, `h`. A bare `0` is allowed; any
/// other number needs a unit. A leading `+` is accepted; negative durations are rejected.
/// The largest value is that of a signed 64-bit count of nanoseconds (about 292 years).
///
/// Pure functions, safe from any thread.
public enum GoDuration {
    /// Parses `text`. Throws `.invalidArgument` naming the problem for an empty, negative,
    /// malformed or too large value.
    public static func parse(_ text: String) throws(SandboxError) -> Duration {
        func invalid(_ why: String) -> SandboxError {
            .invalid(
                "invalid duration \(ValueChecks.quoted(text)): \(why); use Go syntax such as 500ms, 90s, 2m or 1m30s")
        }
        var rest = text.unicodeScalars[...]
        guard !rest.isEmpty else { throw invalid("it is empty") }
        if rest.first == "-" { throw invalid("it is negative") }
        if rest.first == "+" { rest.removeFirst() }
        if rest.count == 1, rest.first == "0" { return .zero }
        guard !rest.isEmpty else { throw invalid("there is no number") }

        var total: Int64 = 0
        while !rest.isEmpty {
            // The integer part.
            var whole: Int64 = 0
            var sawWhole = false
            var overflow = false
            while let digit = rest.first.flatMap(Self.digit) {
                rest.removeFirst()
                sawWhole = true
                let (times10, o1) = whole.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times10.addingReportingOverflow(Int64(digit))
                overflow = overflow || o1 || o2
                whole = sum
            }
            if overflow { throw invalid("it is too large") }
            // The fraction: up to 18 digits count, later ones are below a nanosecond of any unit.
            var fraction: Int64 = 0
            var scale: Int64 = 1
            var sawFraction = false
            if rest.first == "." {
                rest.removeFirst()
                while let digit = rest.first.flatMap(Self.digit) {
                    rest.removeFirst()
                    sawFraction = true
                    if scale < 1_000_000_000_000_000_000 {
                        fraction = fraction * 10 + Int64(digit)
                        scale *= 10
                    }
                }
            }
            guard sawWhole || sawFraction else {
                throw invalid(rest.isEmpty ? "a number is missing" : "expected a number before \(Self.quoted(rest))")
            }
            // The unit: everything up to the next number.
            var unit = ""
            while let scalar = rest.first, scalar != ".", Self.digit(scalar) == nil {
                unit.unicodeScalars.append(scalar)
                rest.removeFirst()
            }
            guard !unit.isEmpty else { throw invalid("a unit is missing after the number (ns, us, ms, s, m or h)") }
            guard let nanoseconds = Self.units[unit] else {
                throw invalid("unknown unit \(ValueChecks.quoted(unit)) (use ns, us, ms, s, m or h)")
            }
            let (wholePart, o1) = whole.multipliedReportingOverflow(by: nanoseconds)
            // fraction × unit / scale, exactly, truncated like Go.
            let product = fraction.multipliedFullWidth(by: nanoseconds)
            let fractionPart = scale.dividingFullWidth(product).quotient
            let (term, o2) = wholePart.addingReportingOverflow(fractionPart)
            let (sum, o3) = total.addingReportingOverflow(term)
            if o1 || o2 || o3 { throw invalid("it is too large") }
            total = sum
        }
        return .nanoseconds(total)
    }

    /// `duration` in Go's notation, as Go's `Duration.String` writes it: `0s`, `500ms`, `1.5µs`,
    /// `1m30s`, `2m0s`, `1h0m0s`. Negative values get a leading `-`.
    public static func format(_ duration: Duration) -> String {
        var (seconds, attoseconds) = duration.components
        if seconds < 0 || attoseconds < 0 {
            if seconds == .min { return "-" + format(.seconds(Int64.max)) }
            return "-" + format(.zero - duration)
        }
        seconds += attoseconds / 1_000_000_000_000_000_000
        let nanoseconds = (attoseconds % 1_000_000_000_000_000_000) / 1_000_000_000
        if seconds == 0 {
            switch nanoseconds {
            case 0: return "0s"
            case ..<1000: return "\(nanoseconds)ns"
            case ..<1_000_000: return decimal(nanoseconds, digits: 3) + "µs"
            default: return decimal(nanoseconds, digits: 6) + "ms"
            }
        }
        let hours = seconds / 3600
        let minutes = seconds % 3600 / 60
        let secondsText = decimal(seconds % 60 * 1_000_000_000 + nanoseconds, digits: 9) + "s"
        if hours > 0 { return "\(hours)h\(minutes)m" + secondsText }
        if minutes > 0 { return "\(minutes)m" + secondsText }
        return secondsText
    }

    // MARK: - Internals

    private static let units: [String: Int64] = [
        "ns": 1,
        "us": 1000,
        "\u{00B5}s": 1000,  // micro sign
        "\u{03BC}s": 1000,  // Greek small letter mu
        "ms": 1_000_000,
        "s": 1_000_000_000,
        "m": 60_000_000_000,
        "h": 3_600_000_000_000,
    ]

    private static func digit(_ scalar: Unicode.Scalar) -> Int? {
        ("0"..."9").contains(scalar) ? Int(scalar.value - 48) : nil
    }

    private static func quoted(_ scalars: Substring.UnicodeScalarView) -> String {
        ValueChecks.quoted(String(Substring(scalars)))
    }

    /// `value / 10^digits` with the fraction's trailing zeros (and a bare dot) removed.
    private static func decimal(_ value: Int64, digits: Int) -> String {
        var divisor: Int64 = 1
        for _ in 0..<digits { divisor *= 10 }
        let whole = value / divisor
        var fraction = value % divisor
        guard fraction != 0 else { return "\(whole)" }
        var width = digits
        while fraction % 10 == 0 {
            fraction /= 10
            width -= 1
        }
        let text = String(fraction)
        return "\(whole)." + String(repeating: "0", count: width - text.count) + text
    }
}

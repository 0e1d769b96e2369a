/// What ``SandboxManager/validateBase(_:)`` found out about a base VM: whether clones of it will
/// come up, each finding with a severity and a fix. A plain value; `Codable` for `--json`.
public struct PreflightReport: Sendable, Hashable, Codable {
    public struct Finding: Sendable, Hashable, Codable {
        public enum Severity: String, Sendable, Hashable, Codable, Comparable {
            case info
            case warning
            case error

            public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
            private var rank: Int { self == .info ? 0 : self == .warning ? 1 : 2 }
        }

        /// A stable identifier, e.g. `base-state`, `disk-format`, `nic-model`.
        public var check: String
        public var severity: Severity
        public var message: String
        /// What to do about it; nil for plain information.
        public var fix: String?

        public init(check: String, severity: Severity, message: String, fix: String? = nil) {
            self.check = check
            self.severity = severity
            self.message = message
            self.fix = fix
        }
    }

    public var base: String
    public var findings: [Finding]
    /// The timeout a clone's wait for an address gets, and why.
    public var effectiveTimeout: EffectiveTimeout?

    public init(base: String, findings: [Finding], effectiveTimeout: EffectiveTimeout?) {
        self.base = base
        self.findings = findings
        self.effectiveTimeout = effectiveTimeout
    }

    /// No finding is an error: creating sandboxes from this base can work.
    public var passed: Bool { !findings.contains { $0.severity == .error } }

    /// One line per finding, worst first, with its fix; for people.
    public var report: String {
        var lines = ["base VM \(base): \(passed ? "ok" : "NOT usable")"]
        for finding in findings.sorted(by: { $0.severity > $1.severity }) {
            lines.append("  [\(finding.severity.rawValue)] \(finding.check): \(finding.message)")
            if let fix = finding.fix { lines.append("      fix: \(fix)") }
        }
        return lines.joined(separator: "\n")
    }
}

import Foundation
import FoundationXML

#if canImport(Glibc)
    import Glibc
#endif

/// How long to wait for a sandbox's IP address, and how that scales with the way the guest runs.
///
/// The base timeout (default 2 minutes, or `IP_DISCOVERY_TIMEOUT`) suits a KVM guest. A guest under
/// TCG (domain type `qemu`: every instruction emulated) boots 5–10× slower, and one of another
/// architecture (aarch64 on x86_64) slower still, so ``effective(virtType:guestArch:hostArch:expectedBootSeconds:)``
/// multiplies the base:
///
/// | how the guest runs | default factor | default result |
/// |---|---|---|
/// | KVM (or any type but `qemu`) | ×1 | 2 min |
/// | TCG, host architecture | ×3 | 6 min |
/// | TCG, foreign architecture | ×3 ×2 = ×6 | 12 min |
///
/// A base VM may declare how long it expects to boot (``BaseVMHints``); the timeout is then at least
/// twice that. The result names every factor applied (``EffectiveTimeout/reasons``).
///
/// Calibration (start to DHCP lease, Debian 12 cloud image, 2-core x86_64 host, idle unless
/// noted; see README and BENCHMARKS.md):
///
/// | guest | measured |
/// |---|---|
/// | x86_64 TCG, 1 vCPU, loaded CI host (load 4–9) | 74–152 s |
/// | aarch64 TCG, `cortex-a57` (the default) with `kpti=0` (``EmulatedKernelTuning``), 2 vCPUs | 36.6 s |
/// | aarch64 TCG, `cortex-a57`, KPTI left on (UEFI boot, or tuning off), 2 vCPUs | 59–62 s |
/// | aarch64 TCG, `cortex-a57`, 1 vCPU (earlier measurement) | 43–45 s |
/// | aarch64 TCG, `max`, 1 vCPU (earlier measurement) | 94–98 s |
///
/// With the defaults an emulated aarch64 guest is no slower than an emulated x86_64 one; the
/// foreign-architecture ×2 is kept for bases that keep KPTI (1.6×), the slow CPU models (`max`
/// without `pauth-impdef` is 2.2× `cortex-a57`) and 1-vCPU bases, so that 12 minutes still cover
/// the slowest measured case (98 s) on a host loaded 6× over, as CI hosts are.
///
/// A plain value; safe to share.
public struct DiscoveryTimeout: Sendable, Hashable {
    /// The environment variable executables read the base timeout from (Go duration syntax).
    public static let environmentVariable = "IP_DISCOVERY_TIMEOUT"
    /// 2 minutes, like the system this library replaces.
    public static let defaultBase: Duration = .seconds(120)
    /// TCG guests boot 5–10× slower than KVM ones; 3× the base covers the usual cloud image.
    public static let defaultTCGMultiplier = 3.0
    /// A foreign architecture under TCG: another 2×, for QEMU's `max` CPU (2.2× `cortex-a57`),
    /// guests that keep KPTI (1.6×) and 1-vCPU bases; with the defaults an emulated aarch64 guest
    /// needs no more than an emulated x86_64 one.
    public static let defaultForeignArchMultiplier = 2.0
    /// The timeout is at least this many times a base VM's declared expected boot time.
    public static let defaultExpectedBootFactor = 2.0

    /// The timeout for a KVM guest.
    public var base: Duration
    /// Where ``base`` came from, for people: `default`, `IP_DISCOVERY_TIMEOUT=90s`, …
    public var baseOrigin: String
    /// The factor for domain type `qemu` (TCG).
    public var tcgMultiplier: Double
    /// The additional factor when a TCG guest's architecture is not the host's.
    public var foreignArchMultiplier: Double
    /// The timeout is raised to at least this many times the expected boot time.
    public var expectedBootFactor: Double

    public init(
        base: Duration = defaultBase, baseOrigin: String = "default", tcgMultiplier: Double = defaultTCGMultiplier,
        foreignArchMultiplier: Double = defaultForeignArchMultiplier,
        expectedBootFactor: Double = defaultExpectedBootFactor
    ) {
        self.base = base
        self.baseOrigin = baseOrigin
        self.tcgMultiplier = tcgMultiplier
        self.foreignArchMultiplier = foreignArchMultiplier
        self.expectedBootFactor = expectedBootFactor
    }

    /// The configuration with the base timeout from `IP_DISCOVERY_TIMEOUT` in `environment` when it
    /// is set, else the default. A set but empty, malformed, negative or zero value is
    /// `.invalidArgument` whose message names the variable — meant to stop an executable at startup.
    public static func fromEnvironment(_ environment: [String: String]) throws(SandboxError) -> DiscoveryTimeout {
        guard let text = environment[environmentVariable] else { return DiscoveryTimeout() }
        let value = text.trimmingCharacters(in: .whitespaces)
        let base: Duration
        do {
            base = try GoDuration.parse(value)
        } catch {
            throw .invalid("\(environmentVariable): \(error.message)")
        }
        guard base > .zero else {
            throw .invalid("\(environmentVariable) must be longer than 0, not \(ValueChecks.quoted(text))")
        }
        return DiscoveryTimeout(base: base, baseOrigin: "\(environmentVariable)=\(value)")
    }

    /// The timeout for a guest of domain type `virtType` and architecture `guestArch` on a host of
    /// architecture `hostArch`, whose base VM expects to boot in `expectedBootSeconds`. Pure.
    ///
    /// TCG is domain type `qemu`; the foreign-architecture factor applies only under TCG (KVM cannot
    /// run another architecture). Architecture aliases (`amd64`, `arm64`) are understood.
    public func effective(
        virtType: String?, guestArch: String?, hostArch: String? = DiscoveryTimeout.hostArchitecture,
        expectedBootSeconds: Int? = nil
    ) -> EffectiveTimeout {
        var duration = base
        var reasons = ["base \(GoDuration.format(base)) (\(baseOrigin))"]
        if virtType?.lowercased() == "qemu" {
            duration = duration * tcgMultiplier
            reasons.append("×\(Self.factor(tcgMultiplier)) for TCG emulation (domain type qemu)")
            if let guest = guestArch.map(Self.normalizedArch), let host = hostArch.map(Self.normalizedArch),
                guest != host
            {
                duration = duration * foreignArchMultiplier
                reasons.append("×\(Self.factor(foreignArchMultiplier)) for emulating \(guest) on \(host)")
            }
        }
        if let expectedBootSeconds, expectedBootSeconds > 0 {
            let floor = Duration.seconds(expectedBootSeconds) * expectedBootFactor
            let expected = GoDuration.format(.seconds(expectedBootSeconds))
            if floor > duration {
                duration = floor
                reasons.append(
                    "raised to \(Self.factor(expectedBootFactor))× the base VM's expected boot time of \(expected)")
            } else {
                reasons.append(
                    "the base VM's expected boot time of \(expected) (×\(Self.factor(expectedBootFactor))) fits")
            }
        }
        return EffectiveTimeout(duration: duration, reasons: reasons)
    }

    /// The timeout for the running or defined domain `domain`, reading its type and architecture
    /// from its live XML, and the expected boot time from `baseVM`'s ``BaseVMHints`` when a base is
    /// named (a missing base or hint is ignored).
    public func effective(domain: String, domains: any DomainManager, baseVM: String? = nil)
        async throws(SandboxError) -> EffectiveTimeout
    {
        let xml = try await domains.domainXML(named: domain, inactive: false, secure: false)
        guard let facts = DomainDescription(xml: xml) else {
            throw SandboxError(.invalidXML, "the XML of domain '\(domain)' does not parse")
        }
        var expected: Int?
        if let baseVM {
            do {
                expected = try await BaseVMHints.expectedBootSeconds(ofBase: baseVM, domains: domains)
            } catch  where error.code == .notFound {
                expected = nil
            }
        }
        return effective(virtType: facts.virtType, guestArch: facts.arch, expectedBootSeconds: expected)
    }

    /// This host's CPU architecture as libvirt names it (`x86_64`, `aarch64`), from `uname`.
    public static let hostArchitecture: String = {
        var info = utsname()
        guard uname(&info) == 0 else { return "unknown" }
        let machine = withUnsafeBytes(of: &info.machine) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        return normalizedArch(machine)
    }()

    static func normalizedArch(_ arch: String) -> String {
        switch arch.lowercased() {
        case "amd64", "x64": "x86_64"
        case "arm64": "aarch64"
        case let other: other
        }
    }

    /// `3` for 3.0, `2.5` for 2.5.
    static func factor(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}

/// A timeout and the reasons it is what it is.
public struct EffectiveTimeout: Sendable, Hashable, Codable, CustomStringConvertible {
    public var duration: Duration
    /// Each step from the base to ``duration``, for people: `base 2m0s (default)`,
    /// `×3 for TCG emulation (domain type qemu)`, …
    public var reasons: [String]

    public init(duration: Duration, reasons: [String]) {
        self.duration = duration
        self.reasons = reasons
    }

    /// A timeout given as is.
    public static func fixed(_ duration: Duration) -> EffectiveTimeout {
        EffectiveTimeout(duration: duration, reasons: ["given by the caller"])
    }

    public var description: String {
        "\(GoDuration.format(duration)) (\(reasons.joined(separator: "; ")))"
    }
}

/// Hints a base VM gives about its clones, kept in the base's libvirt `<metadata>`:
///
/// ```xml
/// <metadata>
///   <sandboxbase:hints xmlns:sandboxbase="urn:x-sandboxcore:base:1">
///     <sandboxbase:expectedBootSeconds>300</sandboxbase:expectedBootSeconds>
///   </sandboxbase:hints>
/// </metadata>
/// ```
///
/// Set it with `virsh metadata BASE urn:x-sandboxcore:base:1 --key sandboxbase --set '<hints>…</hints>'`
/// or include it in the base's XML. `expectedBootSeconds` is a whole number of seconds, 1…86400,
/// from start to the guest's IP address, measured the way the base runs. Pure functions.
public enum BaseVMHints {
    public static let namespaceURI = "urn:x-sandboxcore:base:1"
    public static let namespacePrefix = "sandboxbase"
    /// The largest expected boot time honoured: one day.
    public static let maxExpectedBootSeconds = 86_400

    /// The expected boot time in a `<hints>` element as libvirt's metadata API returns it; nil when
    /// absent or not a whole number of seconds in 1…86400.
    public static func expectedBootSeconds(metadataXML: String) -> Int? {
        // FoundationXML crashes on an empty document instead of throwing.
        guard !metadataXML.allSatisfy(\.isWhitespace),
            let document = try? XMLDocument(xmlString: metadataXML, options: []), let root = document.rootElement(),
            root.localName == "hints"
        else { return nil }
        for case let child as XMLElement in root.children ?? [] where child.localName == "expectedBootSeconds" {
            let text = (child.stringValue ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            guard let value = Int(text), (1...maxExpectedBootSeconds).contains(value) else { return nil }
            return value
        }
        return nil
    }

    /// The expected boot time the domain `base` declares, or nil. A missing domain is `.notFound`.
    public static func expectedBootSeconds(ofBase base: String, domains: any DomainManager)
        async throws(SandboxError) -> Int?
    {
        try await domains.metadata(named: base, namespaceURI: namespaceURI).flatMap(expectedBootSeconds(metadataXML:))
    }

    /// The `<hints>` element without namespace declarations, as `virDomainSetMetadata` takes it
    /// (libvirt puts it in ``namespaceURI`` with ``namespacePrefix`` itself).
    public static func elementXML(expectedBootSeconds: Int) -> String {
        "<hints><expectedBootSeconds>\(expectedBootSeconds)</expectedBootSeconds></hints>"
    }

    /// The `<hints>` element declaring `expectedBootSeconds`, for `virsh metadata` or a base's XML.
    public static func metadataXML(expectedBootSeconds: Int) -> String {
        "<\(namespacePrefix):hints xmlns:\(namespacePrefix)=\"\(namespaceURI)\">"
            + "<\(namespacePrefix):expectedBootSeconds>\(expectedBootSeconds)</\(namespacePrefix):expectedBootSeconds>"
            + "</\(namespacePrefix):hints>"
    }
}

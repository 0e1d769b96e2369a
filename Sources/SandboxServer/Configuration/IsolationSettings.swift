import Foundation
import SandboxCore

/// How the service keeps sandboxes apart from each other and from the host, from the environment:
/// the NIC filter (and whether the server may start without it), port isolation, and the CPU,
/// disk I/O, network and disk-growth limits every sandbox gets.
///
/// A plain value; safe to share. Defaults: `clean-traffic` required, ports isolated, no resource
/// limits, no disk cap.
public struct IsolationSettings: Sendable, Hashable {
    /// Which network filter each sandbox NIC gets (`SANDBOX_NETWORK_FILTER`).
    public enum Filter: Sendable, Hashable {
        /// libvirt's `clean-traffic` (the default): no MAC, IP or ARP spoofing.
        case cleanTraffic
        /// Another filter the host defines.
        case named(String)
        /// No filter (`none`): a guest may spoof its neighbours' addresses.
        case none
    }

    public var filter: Filter
    /// Whether the server starts when the filter does not exist, with no filter then
    /// (`SANDBOX_ALLOW_MISSING_FILTER`, default false).
    public var allowMissingFilter: Bool
    /// Whether each NIC's bridge port is isolated from the other sandboxes' (`SANDBOX_ISOLATE`,
    /// default true; see ``SandboxManager/Configuration/isolateSandboxes``).
    public var isolateSandboxes: Bool
    /// `SANDBOX_CPU_SHARES`, `SANDBOX_CPU_QUOTA_PERCENT`, `SANDBOX_DISK_BYTES_PER_SEC`,
    /// `SANDBOX_DISK_IOPS` and `SANDBOX_NET_KBPS`.
    public var resourceLimits: ResourceLimits
    /// The most host storage one sandbox's overlay may take, in bytes (`SANDBOX_MAX_DISK_MB`); the
    /// janitor stops a running sandbox over it (``SandboxManager/enforceDiskCap(maxBytes:)``).
    /// nil: no cap (an overlay can grow to its base's virtual size).
    public var maxDiskBytes: UInt64?

    /// The period `SANDBOX_CPU_QUOTA_PERCENT` is applied over (100 ms).
    public static let cpuPeriodMicroseconds = 100_000

    public init(
        filter: Filter = .cleanTraffic, allowMissingFilter: Bool = false, isolateSandboxes: Bool = true,
        resourceLimits: ResourceLimits = ResourceLimits(), maxDiskBytes: UInt64? = nil
    ) {
        self.filter = filter
        self.allowMissingFilter = allowMissingFilter
        self.isolateSandboxes = isolateSandboxes
        self.resourceLimits = resourceLimits
        self.maxDiskBytes = maxDiskBytes
    }

    /// The environment variables ``init(environment:)`` reads.
    public enum Variable {
        public static let filter = "SANDBOX_NETWORK_FILTER"
        public static let allowMissingFilter = "SANDBOX_ALLOW_MISSING_FILTER"
        public static let isolate = "SANDBOX_ISOLATE"
        public static let cpuShares = "SANDBOX_CPU_SHARES"
        public static let cpuQuotaPercent = "SANDBOX_CPU_QUOTA_PERCENT"
        public static let diskBytesPerSecond = "SANDBOX_DISK_BYTES_PER_SEC"
        public static let diskIOPS = "SANDBOX_DISK_IOPS"
        public static let networkKiBPerSecond = "SANDBOX_NET_KBPS"
        public static let maxDisk = "SANDBOX_MAX_DISK_MB"
    }

    /// The settings `environment` describes; unset variables keep their defaults. A set but invalid
    /// value is `.invalidArgument` naming the variable.
    public init(environment: [String: String]) throws(SandboxError) {
        self.init()
        let reader = EnvironmentReader(environment: environment)
        if let name = try reader.value(Variable.filter) {
            switch name {
            case "none": filter = .none
            case "clean-traffic": filter = .cleanTraffic
            default:
                // libvirt's filter names: letters, digits and `_.:-`.
                guard name.utf8.count <= 255,
                    name.unicodeScalars.allSatisfy({
                        $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "_.:-".unicodeScalars.contains($0))
                    })
                else {
                    throw SandboxError(
                        .invalidArgument,
                        "\(Variable.filter) must be clean-traffic, none or a filter's name, not \(EnvironmentReader.shown(name))"
                    )
                }
                filter = .named(name)
            }
        }
        if let allowed = try reader.flag(Variable.allowMissingFilter) { allowMissingFilter = allowed }
        if let isolate = try reader.flag(Variable.isolate) { isolateSandboxes = isolate }

        var cpu = DomainSpec.CPUTune()
        // cgroup v2 hosts refuse weights above 10 000 when the domain starts.
        cpu.shares = try reader.integer(Variable.cpuShares, in: 2...10_000)
        if let percent = try reader.integer(Variable.cpuQuotaPercent, in: 1...100) {
            cpu.periodMicroseconds = Self.cpuPeriodMicroseconds
            cpu.quotaMicroseconds = Self.cpuPeriodMicroseconds / 100 * percent
        }
        var disk = DomainSpec.DiskIOTune()
        let ioBound: ClosedRange<Int64> = 1...Int64(DomainSpec.DiskIOTune.maxValue)
        disk.totalBytesPerSecond = try reader.integer(Variable.diskBytesPerSecond, in: ioBound).map(UInt64.init)
        disk.totalIOPerSecond = try reader.integer(Variable.diskIOPS, in: ioBound).map(UInt64.init)
        var network = DomainSpec.Bandwidth()
        if let rate = try reader.integer(Variable.networkKiBPerSecond, in: 1...Int64(UInt32.max)) {
            network.inbound = .init(averageKiBPerSecond: UInt32(rate))
            network.outbound = .init(averageKiBPerSecond: UInt32(rate))
        }
        resourceLimits = ResourceLimits(
            cpu: cpu.isEmpty ? nil : cpu, diskIO: disk.isEmpty ? nil : disk,
            networkBandwidth: network.isEmpty ? nil : network)
        try resourceLimits.validate()
        // At most 1 PiB, so that the product stays far from UInt64's end.
        if let megabytes = try reader.integer(Variable.maxDisk, in: 1...(1 << 30)) {
            maxDiskBytes = UInt64(megabytes) << 20
        }
    }

    /// The filter the sandboxes get, given whether the host defines the one asked for; what to warn
    /// about when it is weaker than asked. Throws `.invalidArgument` when the filter is missing and
    /// ``allowMissingFilter`` is false: the server must not start then.
    public func resolveFilter(
        exists: (String) async throws(SandboxError) -> Bool
    ) async throws(SandboxError) -> (policy: NetworkFilterPolicy, warning: String?) {
        let name: String
        switch filter {
        case .none:
            return (.none, "\(Variable.filter)=none: sandbox NICs get no filter, a guest can spoof MAC, IP and ARP")
        case .cleanTraffic: name = "clean-traffic"
        case .named(let named): name = named
        }
        if try await exists(name) { return (.named(name), nil) }
        let missing = "the host has no network filter \(name): a guest could spoof MAC, IP and ARP on its network"
        guard allowMissingFilter else {
            throw SandboxError(
                .invalidArgument,
                "\(missing); install libvirt's filters (Debian: libvirt-daemon-config-nwfilter), or set "
                    + "\(Variable.allowMissingFilter)=true to start without one")
        }
        return (.none, missing + " (\(Variable.allowMissingFilter)=true)")
    }

    /// `configuration` with the isolation and limits put on every sandbox, and `filter`.
    public func applied(
        to configuration: SandboxManager.Configuration, filter: NetworkFilterPolicy
    ) -> SandboxManager.Configuration {
        var configuration = configuration
        configuration.networkFilter = filter
        configuration.isolateSandboxes = isolateSandboxes
        configuration.resourceLimits = resourceLimits
        return configuration
    }
}

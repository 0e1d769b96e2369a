import SandboxValues

extension DomainSpec {
    /// CPU scheduling limits of the whole domain (`<cputune>`), enforced by the host's cgroups.
    ///
    /// Each value is optional; only the ones set are rendered. A value type: thread-safe.
    public struct CPUTune: Sendable, Hashable, Codable {
        /// The domain's CPU weight against other domains (`<shares>`), 2 … 262 144; a domain
        /// without one weighs 1024. On a cgroup v2 host (where libvirt writes `cpu.weight` through
        /// systemd) values above 10 000 are refused when the domain starts.
        public var shares: Int?
        /// The enforcement period of ``quota`` in microseconds (`<period>`), 1 000 … 1 000 000.
        public var periodMicroseconds: Int?
        /// The CPU time each vCPU may use per period, in microseconds (`<quota>`), 1 000 …
        /// 17 592 186 044 415, or -1 for no limit. 50 000 with a period of 100 000 caps each vCPU at
        /// half a host CPU.
        public var quotaMicroseconds: Int?

        /// The smallest and largest ``shares`` libvirt accepts.
        public static let sharesRange = 2...262_144
        /// The ``periodMicroseconds`` libvirt accepts.
        public static let periodRange = 1_000...1_000_000
        /// The positive ``quotaMicroseconds`` libvirt accepts (-1 means unlimited).
        public static let quotaRange = 1_000...17_592_186_044_415

        public init(shares: Int? = nil, periodMicroseconds: Int? = nil, quotaMicroseconds: Int? = nil) {
            self.shares = shares
            self.periodMicroseconds = periodMicroseconds
            self.quotaMicroseconds = quotaMicroseconds
        }

        /// Whether no value is set (nothing is rendered).
        public var isEmpty: Bool { shares == nil && periodMicroseconds == nil && quotaMicroseconds == nil }

        package func validate() throws(SandboxError) {
            if let shares, !Self.sharesRange.contains(shares) {
                throw .invalid("CPU shares must be 2…262144, not \(shares)")
            }
            if let period = periodMicroseconds, !Self.periodRange.contains(period) {
                throw .invalid("the CPU period must be 1000…1000000 µs, not \(period)")
            }
            if let quota = quotaMicroseconds, quota != -1, !Self.quotaRange.contains(quota) {
                throw .invalid("the CPU quota must be 1000…17592186044415 µs or -1, not \(quota)")
            }
        }
    }

    /// Block I/O limits of a disk (`<iotune>`), applied by QEMU's throttling.
    ///
    /// Each value is optional; only the ones set are rendered. A value type: thread-safe.
    public struct DiskIOTune: Sendable, Hashable, Codable {
        /// Reads and writes together, in bytes per second (`<total_bytes_sec>`).
        public var totalBytesPerSecond: UInt64?
        /// Reads and writes together, in operations per second (`<total_iops_sec>`).
        public var totalIOPerSecond: UInt64?

        /// The largest value QEMU accepts for a throttling limit (10¹⁵).
        public static let maxValue: UInt64 = 1_000_000_000_000_000

        public init(totalBytesPerSecond: UInt64? = nil, totalIOPerSecond: UInt64? = nil) {
            self.totalBytesPerSecond = totalBytesPerSecond
            self.totalIOPerSecond = totalIOPerSecond
        }

        /// Whether no value is set (nothing is rendered).
        public var isEmpty: Bool { totalBytesPerSecond == nil && totalIOPerSecond == nil }

        package func validate() throws(SandboxError) {
            for (value, what) in [(totalBytesPerSecond, "disk bytes per second"), (totalIOPerSecond, "disk IOPS")] {
                if let value, !(1...Self.maxValue).contains(value) {
                    throw .invalid("\(what) must be 1…\(Self.maxValue), not \(value)")
                }
            }
        }
    }

    /// Traffic shaping of a NIC (`<bandwidth>`), applied by the host's `tc` on the tap device.
    /// ``inbound`` is traffic to the guest, ``outbound`` traffic from it. A value type: thread-safe.
    public struct Bandwidth: Sendable, Hashable, Codable {
        /// One direction's limits. Rates are in KiB per second, the burst in KiB, each 1 … 2³²−1.
        public struct Rate: Sendable, Hashable, Codable {
            /// The long-term rate (`average`).
            public var averageKiBPerSecond: UInt32
            /// The most the interface may send at while bursting (`peak`).
            public var peakKiBPerSecond: UInt32?
            /// How much may be sent at ``peakKiBPerSecond`` (`burst`).
            public var burstKiB: UInt32?

            public init(averageKiBPerSecond: UInt32, peakKiBPerSecond: UInt32? = nil, burstKiB: UInt32? = nil) {
                self.averageKiBPerSecond = averageKiBPerSecond
                self.peakKiBPerSecond = peakKiBPerSecond
                self.burstKiB = burstKiB
            }

            package func validate(_ direction: String) throws(SandboxError) {
                guard averageKiBPerSecond > 0 else { throw .invalid("\(direction) average rate must be positive") }
                if peakKiBPerSecond == 0 { throw .invalid("\(direction) peak rate must be positive") }
                if burstKiB == 0 { throw .invalid("\(direction) burst must be positive") }
                if let peak = peakKiBPerSecond, peak < averageKiBPerSecond {
                    throw .invalid("\(direction) peak rate \(peak) is below the average \(averageKiBPerSecond)")
                }
            }
        }

        /// Traffic to the guest.
        public var inbound: Rate?
        /// Traffic from the guest.
        public var outbound: Rate?

        public init(inbound: Rate? = nil, outbound: Rate? = nil) {
            self.inbound = inbound
            self.outbound = outbound
        }

        /// Whether neither direction is shaped (nothing is rendered).
        public var isEmpty: Bool { inbound == nil && outbound == nil }

        package func validate() throws(SandboxError) {
            try inbound?.validate("inbound")
            try outbound?.validate("outbound")
        }
    }

    /// A variable of a NIC's network filter (`<parameter name=… value=…/>` in `<filterref>`), such
    /// as `IP`, which binds `clean-traffic` to one address instead of the first one libvirt sees.
    public struct FilterParameter: Sendable, Hashable, Codable {
        /// The variable, 1–64 of `[A-Za-z0-9_]`.
        public var name: String
        /// Its value, 1–64 of `[A-Za-z0-9_.:]`.
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }

        /// `IP`: the address the filter lets the guest use.
        public static func ip(_ address: IPAddress) -> FilterParameter {
            FilterParameter(name: "IP", value: address.description)
        }

        package func validate() throws(SandboxError) {
            try Self.check(name, what: "network filter parameter name", extra: "_")
            try Self.check(value, what: "network filter parameter \(name)", extra: "_.:")
        }

        /// libvirt's patterns: names `[a-zA-Z0-9_]+`, values `[a-zA-Z0-9_.:]+` (nwfilter_params.rng).
        private static func check(_ text: String, what: String, extra: String) throws(SandboxError) {
            let allowed = Set(extra.utf8)
            let valid = text.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"):
                    true
                default: allowed.contains(byte)
                }
            }
            guard !text.isEmpty, text.utf8.count <= 64, valid else {
                throw .invalid("\(what) \(ValueChecks.quoted(text)) must be 1–64 of letters, digits and '\(extra)'")
            }
        }
    }
}

import Foundation
import SandboxCore
import SandboxServer
import Testing

/// `IsolationSettings(environment:)`: defaults, every variable, bad values naming their variable,
/// the startup decision on a missing filter, and the limits reaching a real domain's XML.
@Suite struct IsolationSettingsTests {
    @Test func defaultsRequireCleanTrafficAndIsolatePorts() throws {
        let settings = try IsolationSettings(environment: [:])
        #expect(settings.filter == .cleanTraffic)
        #expect(!settings.allowMissingFilter)
        #expect(settings.isolateSandboxes)
        #expect(settings.resourceLimits.isEmpty)
        #expect(settings.maxDiskBytes == nil)
        #expect(try ServerConfiguration(environment: [:]).isolation == settings)
    }

    @Test func everyVariable() throws {
        let settings = try IsolationSettings(environment: [
            "SANDBOX_NETWORK_FILTER": "no-ip-spoofing", "SANDBOX_ALLOW_MISSING_FILTER": "yes",
            "SANDBOX_ISOLATE": "false",
            "SANDBOX_CPU_SHARES": "512", "SANDBOX_CPU_QUOTA_PERCENT": "50", "SANDBOX_DISK_BYTES_PER_SEC": "10485760",
            "SANDBOX_DISK_IOPS": "500", "SANDBOX_NET_KBPS": "2048", "SANDBOX_MAX_DISK_MB": "4096",
        ])
        #expect(settings.filter == .named("no-ip-spoofing"))
        #expect(settings.allowMissingFilter)
        #expect(!settings.isolateSandboxes)
        #expect(
            settings.resourceLimits.cpu == .init(shares: 512, periodMicroseconds: 100_000, quotaMicroseconds: 50_000))
        #expect(settings.resourceLimits.diskIO == .init(totalBytesPerSecond: 10 << 20, totalIOPerSecond: 500))
        #expect(settings.resourceLimits.networkBandwidth?.inbound?.averageKiBPerSecond == 2048)
        #expect(settings.resourceLimits.networkBandwidth?.outbound?.averageKiBPerSecond == 2048)
        #expect(settings.maxDiskBytes == 4096 << 20)
        #expect(try IsolationSettings(environment: ["SANDBOX_NETWORK_FILTER": "none"]).filter == .none)
    }

    @Test(arguments: [
        ("SANDBOX_NETWORK_FILTER", "a b"), ("SANDBOX_NETWORK_FILTER", "x'/><evil"), ("SANDBOX_NETWORK_FILTER", " "),
        ("SANDBOX_ALLOW_MISSING_FILTER", "maybe"), ("SANDBOX_ISOLATE", "2"), ("SANDBOX_CPU_SHARES", "1"),
        ("SANDBOX_CPU_SHARES", "10001"), ("SANDBOX_CPU_QUOTA_PERCENT", "0"), ("SANDBOX_CPU_QUOTA_PERCENT", "101"),
        ("SANDBOX_DISK_BYTES_PER_SEC", "0"), ("SANDBOX_DISK_IOPS", "1000000000000001"),
        ("SANDBOX_NET_KBPS", "4294967296"), ("SANDBOX_NET_KBPS", "-1"), ("SANDBOX_MAX_DISK_MB", "0"),
        ("SANDBOX_MAX_DISK_MB", "18446744073709551615"), ("SANDBOX_MAX_DISK_MB", "1e3"),
    ])
    func invalidValuesNameTheVariable(variable: String, value: String) {
        #expect {
            try ServerConfiguration(environment: [variable: value])
        } throws: { error in
            guard let error = error as? SandboxError else { return false }
            return error.code == .invalidArgument && error.message.contains(variable)
        }
    }

    /// A missing filter stops the server unless allowed; `none` is a choice, with a warning.
    @Test func theFilterDecisionAtStartup() async throws {
        let present: (String) async throws(SandboxError) -> Bool = { _ in true }
        let absent: (String) async throws(SandboxError) -> Bool = { _ in false }

        let strict = IsolationSettings()
        let found = try await strict.resolveFilter(exists: present)
        #expect(found.policy == .named("clean-traffic"))
        #expect(found.warning == nil)
        let refused = await #expect(throws: SandboxError.self) { try await strict.resolveFilter(exists: absent) }
        #expect(refused?.code == .invalidArgument)
        #expect(refused?.message.contains("SANDBOX_ALLOW_MISSING_FILTER") == true, "\(String(describing: refused))")
        #expect(refused?.message.contains("libvirt-daemon-config-nwfilter") == true)

        let lenient = IsolationSettings(allowMissingFilter: true)
        let weaker = try await lenient.resolveFilter(exists: absent)
        #expect(weaker.policy == .none)
        #expect(weaker.warning?.contains("clean-traffic") == true)

        var asked: [String] = []
        let named = try await IsolationSettings(filter: .named("mine")).resolveFilter { name throws(SandboxError) in
            asked.append(name)
            return true
        }
        #expect(named.policy == .named("mine"))
        #expect(asked == ["mine"])

        let off = try await IsolationSettings(filter: .none).resolveFilter(exists: absent)
        #expect(off.policy == .none)
        #expect(off.warning?.contains("none") == true)
    }

    /// The limits from the environment reach the domain a create defines on the test driver.
    @Test func theLimitsReachTheDomainXML() async throws {
        try await ServerTestHost.with { host in
            let configuration = try ServerConfiguration(environment: [
                "SANDBOX_JOBS_DIR": host.jobsRoot, "SANDBOX_OWNER": host.owner, "SANDBOX_CPU_SHARES": "300",
                "SANDBOX_CPU_QUOTA_PERCENT": "25", "SANDBOX_DISK_IOPS": "200", "SANDBOX_NET_KBPS": "1024",
            ])
            var managerConfiguration = configuration.managerConfiguration(filter: .none)
            managerConfiguration.gracefulShutdownTimeout = .zero
            let manager = SandboxManager(domains: host.connection, configuration: managerConfiguration)
            let sandbox = try await manager.create(SandboxRequest(baseVM: host.base, autoStart: false))
            let xml = try await host.connection.domainXML(named: sandbox.name.value, inactive: true)
            #expect(xml.contains("<shares>300</shares>"), "\(xml)")
            #expect(xml.contains("<period>100000</period>"), "\(xml)")
            #expect(xml.contains("<quota>25000</quota>"), "\(xml)")
            #expect(xml.contains("<total_iops_sec>200</total_iops_sec>"), "\(xml)")
            #expect(xml.contains("<inbound average='1024'/>"), "\(xml)")
            #expect(xml.contains("<outbound average='1024'/>"), "\(xml)")
            #expect(xml.contains("<port isolated='yes'/>"), "\(xml)")
            #expect(!xml.contains("<filterref"), "\(xml)")
            try await manager.destroy(sandbox.name)

            let open = try ServerConfiguration(environment: [
                "SANDBOX_JOBS_DIR": host.jobsRoot, "SANDBOX_ISOLATE": "no",
            ])
            #expect(!open.managerConfiguration(filter: .none).isolateSandboxes)
            #expect(open.managerConfiguration(filter: .named("clean-traffic")).networkFilter == .named("clean-traffic"))
        }
    }
}

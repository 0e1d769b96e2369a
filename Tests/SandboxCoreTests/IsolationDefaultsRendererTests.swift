import Foundation
import Testing

@testable import SandboxCore

/// The isolation and resource-control elements of the domain XML: exact fragments when set,
/// nothing when unset, `.invalidArgument` for what libvirt would refuse.
@Suite struct IsolationDefaultsRendererTests {
    static func spec(nic: DomainSpec.NIC? = nil) throws -> DomainSpec {
        let first = try nic ?? .init(source: .network("default"), mac: try MACAddress(parsing: "52:54:00:00:00:01"))
        return DomainSpec(
            name: try SandboxName("sbx-iso"), disk: .init(path: "/jobs/sbx-iso/disk.qcow2"), seedISOPath: "/s.iso",
            nic: first)
    }

    static func render(_ spec: DomainSpec) throws -> String { try DomainXMLRenderer().render(spec) }

    static func expectInvalid(_ spec: DomainSpec, _ words: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let error = #expect(throws: SandboxError.self, sourceLocation: sourceLocation) { try render(spec) }
        #expect(error?.code == .invalidArgument, sourceLocation: sourceLocation)
        #expect(error?.message.contains(words) == true, "\(String(describing: error))", sourceLocation: sourceLocation)
    }

    // MARK: Port isolation

    @Test func anIsolatedNICHasAnIsolatedPort() throws {
        var spec = try Self.spec()
        spec.nic.isolated = true
        spec.extraNICs = [
            .init(source: .bridge("br0"), mac: try MACAddress(parsing: "52:54:00:00:00:02"), isolated: true)
        ]
        let xml = try Self.render(spec)
        #expect(
            xml.contains(
                """
                    <interface type='network'>
                      <mac address='52:54:00:00:00:01'/>
                      <source network='default'/>
                      <model type='virtio'/>
                      <port isolated='yes'/>
                    </interface>
                """))
        #expect(
            xml.contains(
                """
                    <interface type='bridge'>
                      <mac address='52:54:00:00:00:02'/>
                      <source bridge='br0'/>
                      <model type='virtio'/>
                      <port isolated='yes'/>
                    </interface>
                """))
    }

    @Test func aNICIsNotIsolatedUnlessAsked() throws {
        let xml = try Self.render(try Self.spec())
        #expect(!xml.contains("<port"))
    }

    // MARK: Filter parameters

    @Test func theFilterBindsTheIP() throws {
        var spec = try Self.spec()
        spec.nic.filter = "clean-traffic"
        spec.nic.filterParameters = [.ip(try IPAddress(parsing: "192.168.122.40"))]
        #expect(
            try Self.render(spec).contains(
                """
                      <filterref filter='clean-traffic'>
                        <parameter name='IP' value='192.168.122.40'/>
                      </filterref>
                """))
        spec.nic.filterParameters = []
        #expect(try Self.render(spec).contains("<filterref filter='clean-traffic'/>"))
    }

    @Test(arguments: [
        ("IP", "1.2.3.4'/><x", "network filter parameter IP"),
        ("IP", "", "network filter parameter IP"),
        ("IP", "10.0.0.1-2", "network filter parameter IP"),
        ("I-P", "10.0.0.1", "network filter parameter name"),
        ("", "10.0.0.1", "network filter parameter name"),
        (String(repeating: "A", count: 65), "1", "network filter parameter name"),
    ])
    func badFilterParametersAreRefused(name: String, value: String, words: String) throws {
        var spec = try Self.spec()
        spec.nic.filter = "clean-traffic"
        spec.nic.filterParameters = [.init(name: name, value: value)]
        Self.expectInvalid(spec, words)
    }

    @Test func filterParametersNeedAFilter() throws {
        var spec = try Self.spec()
        spec.nic.filterParameters = [.ip(try IPAddress(parsing: "10.0.0.1"))]
        Self.expectInvalid(spec, "need a network filter")
    }

    // MARK: CPU

    @Test func cputuneHasTheValuesSetAfterTheVCPUs() throws {
        var spec = try Self.spec()
        spec.cpuTune = .init(shares: 512, periodMicroseconds: 100_000, quotaMicroseconds: 50_000)
        #expect(
            try Self.render(spec).contains(
                """
                  <vcpu placement='static'>1</vcpu>
                  <cputune>
                    <shares>512</shares>
                    <period>100000</period>
                    <quota>50000</quota>
                  </cputune>
                  <os>
                """))
        spec.cpuTune = .init(quotaMicroseconds: -1)
        #expect(try Self.render(spec).contains("  <cputune>\n    <quota>-1</quota>\n  </cputune>\n"))
    }

    @Test func noCputuneWhenUnsetOrEmpty() throws {
        var spec = try Self.spec()
        #expect(!(try Self.render(spec)).contains("cputune"))
        spec.cpuTune = .init()
        #expect(!(try Self.render(spec)).contains("cputune"))
    }

    @Test(arguments: [
        (DomainSpec.CPUTune(shares: 1), "shares"),
        (DomainSpec.CPUTune(shares: 262_145), "shares"),
        (DomainSpec.CPUTune(shares: -5), "shares"),
        (DomainSpec.CPUTune(periodMicroseconds: 999), "period"),
        (DomainSpec.CPUTune(periodMicroseconds: 1_000_001), "period"),
        (DomainSpec.CPUTune(quotaMicroseconds: 0), "quota"),
        (DomainSpec.CPUTune(quotaMicroseconds: -2), "quota"),
        (DomainSpec.CPUTune(quotaMicroseconds: 999), "quota"),
        (DomainSpec.CPUTune(quotaMicroseconds: 17_592_186_044_416), "quota"),
        (DomainSpec.CPUTune(quotaMicroseconds: .max), "quota"),
        (DomainSpec.CPUTune(quotaMicroseconds: .min), "quota"),
    ])
    func badCPUValuesAreRefused(tune: DomainSpec.CPUTune, words: String) throws {
        var spec = try Self.spec()
        spec.cpuTune = tune
        Self.expectInvalid(spec, words)
    }

    @Test func theLimitsThemselvesAreAccepted() throws {
        var spec = try Self.spec()
        spec.cpuTune = .init(shares: 2, periodMicroseconds: 1_000, quotaMicroseconds: 1_000)
        _ = try Self.render(spec)
        spec.cpuTune = .init(shares: 262_144, periodMicroseconds: 1_000_000, quotaMicroseconds: 17_592_186_044_415)
        #expect(try Self.render(spec).contains("<quota>17592186044415</quota>"))
    }

    // MARK: Disk I/O

    @Test func iotuneIsInsideTheOverlayDisk() throws {
        var spec = try Self.spec()
        spec.disk.ioTune = .init(totalBytesPerSecond: 52_428_800, totalIOPerSecond: 1_000)
        #expect(
            try Self.render(spec).contains(
                """
                      <target dev='vda' bus='virtio'/>
                      <iotune>
                        <total_bytes_sec>52428800</total_bytes_sec>
                        <total_iops_sec>1000</total_iops_sec>
                      </iotune>
                      <boot order='1'/>
                    </disk>
                """))
        spec.disk.ioTune = .init(totalIOPerSecond: 7)
        #expect(try Self.render(spec).contains("<iotune>\n        <total_iops_sec>7</total_iops_sec>\n      </iotune>"))
        spec.disk.ioTune = .init()
        #expect(!(try Self.render(spec)).contains("iotune"))
        spec.disk.ioTune = nil
        #expect(!(try Self.render(spec)).contains("iotune"))
    }

    @Test(arguments: [
        DomainSpec.DiskIOTune(totalBytesPerSecond: 0),
        DomainSpec.DiskIOTune(totalIOPerSecond: 0),
        DomainSpec.DiskIOTune(totalBytesPerSecond: DomainSpec.DiskIOTune.maxValue + 1),
        DomainSpec.DiskIOTune(totalIOPerSecond: .max),
    ])
    func badIOValuesAreRefused(tune: DomainSpec.DiskIOTune) throws {
        var spec = try Self.spec()
        spec.disk.ioTune = tune
        Self.expectInvalid(spec, "disk")
    }

    // MARK: Bandwidth

    @Test func bandwidthIsInsideTheInterface() throws {
        var spec = try Self.spec()
        spec.nic.filter = "clean-traffic"
        spec.nic.isolated = true
        spec.nic.bandwidth = .init(
            inbound: .init(averageKiBPerSecond: 1_000, peakKiBPerSecond: 5_000, burstKiB: 1_024),
            outbound: .init(averageKiBPerSecond: 128))
        #expect(
            try Self.render(spec).contains(
                """
                      <filterref filter='clean-traffic'/>
                      <bandwidth>
                        <inbound average='1000' peak='5000' burst='1024'/>
                        <outbound average='128'/>
                      </bandwidth>
                      <port isolated='yes'/>
                    </interface>
                """))
        spec.nic.bandwidth = .init(outbound: .init(averageKiBPerSecond: .max))
        #expect(
            try Self.render(spec).contains("<bandwidth>\n        <outbound average='4294967295'/>\n      </bandwidth>"))
        spec.nic.bandwidth = .init()
        #expect(!(try Self.render(spec)).contains("bandwidth"))
    }

    @Test(arguments: [
        (DomainSpec.Bandwidth(inbound: .init(averageKiBPerSecond: 0)), "inbound average"),
        (DomainSpec.Bandwidth(outbound: .init(averageKiBPerSecond: 10, peakKiBPerSecond: 0)), "outbound peak"),
        (DomainSpec.Bandwidth(outbound: .init(averageKiBPerSecond: 10, burstKiB: 0)), "outbound burst"),
        (DomainSpec.Bandwidth(inbound: .init(averageKiBPerSecond: 10, peakKiBPerSecond: 5)), "below the average"),
    ])
    func badBandwidthIsRefused(bandwidth: DomainSpec.Bandwidth, words: String) throws {
        var spec = try Self.spec()
        spec.extraNICs = [
            .init(source: .network("default"), mac: try MACAddress(parsing: "52:54:00:00:00:03"), bandwidth: bandwidth)
        ]
        Self.expectInvalid(spec, words)
    }

    // MARK: Schema

    /// Everything at once through libvirt's own schema.
    @Test(.enabled(if: ExternalTool.exists("/usr/bin/virt-xml-validate")))
    func libvirtSchemaAcceptsEveryElement() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var spec = try Self.spec(
            nic: .init(
                source: .network("default"), mac: try MACAddress(parsing: "52:54:00:00:00:01"), filter: "clean-traffic",
                filterParameters: [.ip(try IPAddress(parsing: "192.168.122.40"))], isolated: true,
                bandwidth: .init(
                    inbound: .init(averageKiBPerSecond: 1_000, peakKiBPerSecond: 5_000, burstKiB: 1_024),
                    outbound: .init(averageKiBPerSecond: 128))))
        spec.extraNICs = [
            .init(source: .bridge("br0"), mac: try MACAddress(parsing: "52:54:00:00:00:02"), isolated: true)
        ]
        spec.cpuTune = .init(shares: 512, periodMicroseconds: 100_000, quotaMicroseconds: -1)
        spec.disk.ioTune = .init(totalBytesPerSecond: 52_428_800, totalIOPerSecond: 1_000)
        let path = try folder.write(try Self.render(spec), to: "domain.xml")
        let result = try ExternalTool.run("/usr/bin/virt-xml-validate", [path, "domain"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    }
}

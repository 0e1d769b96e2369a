import Foundation
import Testing

@testable import SandboxCore

/// The base probe's pure parts (what its script prints, the findings drawn from it) and storing a
/// measured boot time on a base through libvirt's test driver. The boot itself is end to end
/// (`ProbeE2ETests`).
@Suite struct BaseProbeTests {
    static let clone = try! MACAddress(parsing: "52:54:00:aa:bb:cc")

    @Test func theScriptOutputIsParsed() {
        let output = """
            renderer=netplan
            instance=sbx-probe1
            instance=old-base
            mac=52:54:00:aa:bb:cc /etc/netplan/50-cloud-init.yaml
            mac=52:54:00:5e:00:42 /etc/systemd/network/05-base.network
            mac=not-a-mac /etc/x
            garbage line
            """
        let facts = BaseProbeReport.parse(output, sandbox: "sbx-probe1", macs: [Self.clone])
        #expect(facts.renderer == "netplan")
        #expect(facts.earlier == ["old-base"])
        #expect(
            facts.macBound == [.init(path: "/etc/systemd/network/05-base.network", mac: "52:54:00:5e:00:42")])
        let empty = BaseProbeReport.parse("renderer=\n", sandbox: "sbx-probe1", macs: [Self.clone])
        #expect(empty.renderer == nil && empty.earlier.isEmpty && empty.macBound.isEmpty)
    }

    @Test func findingsNameWhatWouldBreakAClone() {
        let good = BaseProbeReport.findings(
            cloudInit: CloudInitResult(datasource: "DataSourceNoCloud [seed=/dev/sr0]", errors: []), renderer: "eni",
            earlier: [], macBound: [], createToIPSeconds: 42, agentAnswered: true)
        #expect(good.allSatisfy { $0.severity == .info }, "\(good)")
        #expect(good.contains { $0.check == "renderer" && $0.message.contains("eni") })

        let bad = BaseProbeReport.findings(
            cloudInit: CloudInitResult(datasource: "DataSourceNone", errors: []), renderer: nil,
            earlier: ["base-1"], macBound: [.init(path: "/etc/netplan/01.yaml", mac: "52:54:00:00:00:01")],
            createToIPSeconds: 42, agentAnswered: true)
        #expect(bad.contains { $0.check == "datasource" && $0.severity == .error })
        #expect(bad.contains { $0.check == "mac-bound-config" && $0.severity == .warning && $0.fix != nil })
        #expect(bad.contains { $0.check == "earlier-instances" && $0.message.contains("base-1") })

        let noCloudInit = BaseProbeReport.findings(
            cloudInit: nil, renderer: nil, earlier: [], macBound: [], createToIPSeconds: 42, agentAnswered: true)
        #expect(noCloudInit.contains { $0.check == "cloud-init" && $0.severity == .error })
        let noAgent = BaseProbeReport.findings(
            cloudInit: nil, renderer: nil, earlier: [], macBound: [], createToIPSeconds: 42, agentAnswered: false)
        #expect(noAgent.contains { $0.check == "probe-agent" && $0.severity == .warning })
        #expect(!noAgent.contains { $0.severity == .error })
    }

    /// A sandbox records its base's expected boot time when it is made: its address waits scale
    /// by it without asking the base again, even after the base's hint is gone.
    @Test func aSandboxCarriesItsBasesBootTime() async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        try await host.connection.setMetadata(
            named: base, namespaceURI: BaseVMHints.namespaceURI, prefix: BaseVMHints.namespacePrefix,
            xml: BaseVMHints.elementXML(expectedBootSeconds: 97))
        let manager = host.manager()
        let hinted = try await manager.create(SandboxRequest(baseVM: base, autoStart: false, waitForIP: false))
        try await host.connection.setMetadata(
            named: base, namespaceURI: BaseVMHints.namespaceURI, prefix: BaseVMHints.namespacePrefix, xml: nil)
        let target = try await manager.discoveryTarget(of: hinted.name)
        #expect(target.expectedBootSeconds == 97)
        #expect(target.mac == hinted.mac)
        #expect(target.network == "default")
        #expect(target.seedPath == hinted.seedISOPath)
        #expect(target.consoleLogPath == hinted.consoleLogPath)
        #expect(try await manager.effectiveTimeout(of: hinted.name).reasons.contains { $0.contains("expected boot") })
        let plain = try await manager.create(SandboxRequest(baseVM: base, autoStart: false, waitForIP: false))
        #expect(try await manager.discoveryTarget(of: plain.name, askingBase: true).expectedBootSeconds == nil)
        try await manager.destroy(hinted.name)
        try await manager.destroy(plain.name)
        await host.cleanUp(bases: [base])
    }

    /// What the probe stores is what the timeout and `validateBase` read back.
    @Test func aStoredBootTimeIsReadBack() async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        defer { Task { await host.cleanUp(bases: [base]) } }
        try await host.connection.setMetadata(
            named: base, namespaceURI: BaseVMHints.namespaceURI, prefix: BaseVMHints.namespacePrefix,
            xml: BaseVMHints.elementXML(expectedBootSeconds: 97))
        #expect(try await BaseVMHints.expectedBootSeconds(ofBase: base, domains: host.connection) == 97)
        let report = try await host.manager().validateBase(base)
        #expect(!report.findings.contains { $0.check == "expected-boot" })
        try await host.connection.setMetadata(
            named: base, namespaceURI: BaseVMHints.namespaceURI, prefix: BaseVMHints.namespacePrefix, xml: nil)
        #expect(try await BaseVMHints.expectedBootSeconds(ofBase: base, domains: host.connection) == nil)
    }

    /// On the test driver a clone "boots" at once and has an address but no guest agent: the probe
    /// says so (a warning, not an error), stores the boot time and leaves no clone behind.
    @Test func aProbeWithoutAGuestAgentStillMeasuresAndCleansUp() async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        defer { Task { await host.cleanUp(bases: [base]) } }
        let manager = host.manager()
        let report = try await manager.probeBase(base, timeout: .milliseconds(500))
        #expect(report.ipAddress != nil)
        #expect(report.findings.contains { $0.check == "probe-agent" && $0.severity == .warning })
        #expect(report.cloudInit == nil)
        let stored = try #require(report.storedExpectedBootSeconds)
        #expect(stored >= 1)
        #expect(try await BaseVMHints.expectedBootSeconds(ofBase: base, domains: host.connection) == stored)
        #expect(try await manager.list().isEmpty)
        #expect(try await host.connection.domain(named: report.sandbox) == nil)
    }

    /// A base that does not exist: nothing is made, nothing stored.
    @Test func aProbeOfAMissingBaseFails() async throws {
        let host = try await TestHost.make()
        let manager = host.manager()
        let error = await #expect(throws: SandboxError.self) { try await manager.probeBase("no-such-base-x") }
        #expect(error?.code == .notFound)
        #expect(try await manager.list().isEmpty)
    }
}

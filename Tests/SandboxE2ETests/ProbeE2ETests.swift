import Foundation
import Testing

@testable import SandboxCore

/// The base probe on real guests: for the netplan and ENI images it reports cloud-init finished
/// from the NoCloud seed, the flavour's renderer, no MAC-bound files, and stores the measured boot
/// time on the base; a base that was booted once and left a `.network` file bound to its own MAC
/// is flagged (and its earlier instance id named).
///
/// The plain probes and the MAC-bound base's preparing boot run at once. Run by `e2e/run.sh`.
@Suite(.serialized, .e2eEnabled, .e2eWorkspace)
struct ProbeE2ETests {
    @Test func theProbeDescribesEachFlavourAndFlagsAMACBoundBase() async throws {
        let workspace = try #require(E2EWorkspace.current)
        await withTaskGroup(of: Void.self) { group in
            for flavour in E2EEnvironment.flavours {
                group.addTask {
                    do {
                        try await Self.plainProbe(flavour: flavour, workspace: workspace)
                    } catch {
                        Issue.record("\(flavour): probe failed: \(error)")
                    }
                }
            }
            if let flavour = E2EEnvironment.flavours.first {
                group.addTask {
                    do {
                        try await Self.macBoundProbe(flavour: flavour, workspace: workspace)
                    } catch {
                        Issue.record("\(flavour): MAC-bound probe failed: \(error)")
                    }
                }
            }
        }
    }

    struct Base {
        var name: String
        var manager: SandboxManager
        var fixture: BaseFixture
    }

    /// A base defined from the cached image (never booted), and a manager for its work folder.
    static func makeBase(_ label: String, flavour: String, workspace: E2EWorkspace) async throws -> Base {
        let name = "e2e-probe-\(label)-\(flavour)"
        let work = try workspace.folder("probe-\(label)-" + flavour)
        let fixture = try await workspace.unbootedBase(name, flavour: flavour, in: work)
        let manager = workspace.manager(in: work, owner: name, gracefulShutdownTimeout: .zero)
        return Base(name: name, manager: manager, fixture: fixture)
    }

    static func plainProbe(flavour: String, workspace: E2EWorkspace) async throws {
        let base = try await makeBase("plain", flavour: flavour, workspace: workspace)
        let connection = workspace.connection
        let report = try await base.manager.probeBase(base.name, timeout: E2EEnvironment.bootTimeout)
        print("Probe (\(flavour)): \(report.findings.map { "[\($0.severity)] \($0.check): \($0.message)" })")
        #expect(report.cloudInit?.succeeded == true, "\(flavour): \(String(describing: report.cloudInit))")
        #expect(report.cloudInit?.datasource?.contains("NoCloud") == true, "\(flavour)")
        #expect(report.renderer == flavour, "\(flavour): renderer \(report.renderer ?? "-")")
        #expect(report.macBoundFiles.isEmpty, "\(flavour): \(report.macBoundFiles)")
        #expect(report.earlierInstanceIDs.isEmpty, "\(flavour): \(report.earlierInstanceIDs)")
        let stored = try #require(report.storedExpectedBootSeconds)
        #expect(try await BaseVMHints.expectedBootSeconds(ofBase: base.name, domains: connection) == stored)
        #expect(try await base.manager.list().isEmpty, "\(flavour): the probe's clone is left over")
        await ResultsFile.shared.append(
            E2EResult(
                flavour: flavour, sandbox: report.sandbox, kind: "probe", ipAddress: report.ipAddress,
                createToIPSeconds: report.createToIPSeconds, note: "renderer \(report.renderer ?? "-")"))
    }

    /// Boots the base once with a seed of its own whose user-data leaves a systemd-networkd file
    /// matching the base's MAC and powers off, as an image prepared by hand might; then probes it.
    static func macBoundProbe(flavour: String, workspace: E2EWorkspace) async throws {
        let base = try await makeBase("macbound", flavour: flavour, workspace: workspace)
        let connection = workspace.connection
        let baseMAC = try MACAddress(parsing: "52:54:00:5e:00:42")
        let network = "[Match]\nMACAddress=\(baseMAC)\n\n[Network]\nDHCP=yes\n"
        let userData = """
            write_files:
              - path: /etc/systemd/network/05-base.network
                content: \(YAMLBlockWriter.doubleQuoted(network))
            power_state: {mode: poweroff, condition: true}
            """
        let seed = CloudInitSeed(
            instanceID: "mac-bound-base", hostname: try Hostname("mac-bound-base"), network: .dhcp(mac: baseMAC),
            userData: UserData(extraCloudConfig: userData))
        try CloudInitSeedBuilder().write(seed, isoPath: base.fixture.baseSeed)
        // Boot the base itself once, with its own seed and MAC, until it powers off.
        var booting = try base.fixture.domainSpec(
            name: base.name, disk: base.fixture.baseDisk, seed: base.fixture.baseSeed, mac: baseMAC)
        booting.uuid = UUID(uuidString: try await connection.domain(named: base.name)?.uuid ?? "")
        _ = try await connection.define(xml: try DomainXMLRenderer().render(booting))
        try await connection.start(named: base.name)
        let deadline = ContinuousClock.now + E2EEnvironment.bootTimeout
        while try await connection.state(named: base.name) != .shutOff {
            guard ContinuousClock.now < deadline else {
                try? await connection.destroy(named: base.name)
                Issue.record("\(flavour): the MAC-bound base never powered off")
                return
            }
            try await Task.sleep(for: .seconds(2))
        }
        var idle = booting
        idle.seedISOPath = nil
        _ = try await connection.define(xml: try DomainXMLRenderer().render(idle))

        let report = try await base.manager.probeBase(base.name, timeout: E2EEnvironment.bootTimeout)
        print("Probe (MAC-bound \(flavour)): \(report.findings.map { "[\($0.severity)] \($0.check): \($0.message)" })")
        #expect(report.cloudInit?.succeeded == true, "\(String(describing: report.cloudInit))")
        #expect(
            report.macBoundFiles.contains { $0.mac == baseMAC.description && $0.path.hasSuffix("05-base.network") },
            "\(report.macBoundFiles)")
        #expect(report.findings.contains { $0.check == "mac-bound-config" && $0.severity == .warning })
        #expect(report.earlierInstanceIDs.contains("mac-bound-base"), "\(report.earlierInstanceIDs)")
    }
}

import Foundation
import Testing

@testable import SandboxCore

/// An emulated arm64 guest (aarch64 under TCG on an x86_64 host), end to end.
///
/// The base is the `arm64-netplan` image booted once (machine `virt`, console `ttyAMA0`, seed on
/// virtio-scsi, 2 vCPUs, no CPU model given so the renderer's `cortex-a57` applies). Sandboxes are
/// created with the library's defaults — CPU, vCPUs and memory inherited, the IP timeout scaled by
/// ``DiscoveryTimeout`` — one after the other so that each boot has the host to itself: each gets
/// a lease, its name as host name, and cloud-init finishes without errors. Then the stale-seed
/// clone fails as on x86_64 netplan, and destroy leaves nothing.
/// Each sandbox's create-to-lease, guest kernel-to-lease and cloud-init time go to the results file.
@Suite(
    .serialized, .enabled(if: E2EEnvironment.arm64Enabled, "needs the arm64-netplan image (e2e/run.sh)"),
    .e2eWorkspace)
struct Arm64E2ETests {
    static let flavour = E2EEnvironment.arm64Flavour

    @Test func emulatedArm64SandboxesGetTheirOwnNetwork() async throws {
        let workspace = try #require(E2EWorkspace.current)
        let connection = workspace.connection

        // 1. The base, booted once and shut down: aarch64, virt, ttyAMA0, 2 vCPUs, default CPU.
        let baseStart = ContinuousClock.now
        let fixture = try await workspace.bootedBase(Self.flavour)
        let baseXML = try await connection.domainXML(named: fixture.baseName, inactive: true, secure: false)
        let base = try BaseVM(xml: baseXML)
        #expect(base.arch == .aarch64)
        #expect(base.machine?.hasPrefix("virt") == true, "\(base.machine ?? "")")
        #expect(base.virtType == "qemu")
        #expect(base.vcpus == 2)
        print("E2E arm64 base: first boot to shut off in \((ContinuousClock.now - baseStart).seconds) s")

        let manager = workspace.manager(
            in: try workspace.folder(Self.flavour), owner: "e2e-arm64", gracefulShutdownTimeout: .seconds(60),
            discoverySources: [.networkLeases, .lease])

        // 2. Sandboxes with the library's defaults, one at a time.
        var sandboxes: [Sandbox] = []
        for index in 0..<2 {
            sandboxes.append(try await createAndMeasure(manager: manager, connection: connection, index: index))
        }
        #expect(Set(sandboxes.compactMap(\.ipAddress)).count == sandboxes.count)

        // 3. Destroy: no domain, no files, no lease.
        for sandbox in sandboxes { try await manager.destroy(sandbox.name) }
        for sandbox in sandboxes {
            #expect(try await connection.domain(named: sandbox.name.value) == nil)
            #expect(!FileManager.default.fileExists(atPath: sandbox.jobDirectory))
        }
        let macs = Set(sandboxes.map(\.mac.description))
        let leftover = try await poll(timeout: .seconds(30)) { () async throws -> [String]? in
            let leases = try await connection.networkDHCPLeases(network: workspace.network, mac: nil)
            let left = leases.filter { macs.contains($0.mac.lowercased()) }.map(\.mac)
            return left.isEmpty ? [] : nil
        }
        #expect(leftover == [], "leases left after destroy for \(macs)")

        // 4. The bug reproduces on arm64 netplan too: the base's seed on a new MAC gets no lease.
        let stale = try await fixture.startStaleClone()
        workspace.atEnd { await fixture.removeStaleClone(stale) }
        let staleOutcome = try await fixture.checkStaleClone(stale)
        #expect(staleOutcome.lease == nil, "the stale clone got \(staleOutcome.lease ?? "")")
        #expect(
            [.noPackets, .noLease].contains(staleOutcome.diagnosis.verdict.stage), "\(staleOutcome.diagnosis.report)")
        await ResultsFile.shared.append(
            E2EResult(
                flavour: Self.flavour, sandbox: stale.name, kind: "stale-seed", ipAddress: staleOutcome.lease,
                note: "verdict: \(staleOutcome.diagnosis.verdict)"))
        await fixture.removeStaleClone(stale)
        #expect(try await manager.list().isEmpty)
    }

    /// Creates a sandbox with defaults (the scaled timeout included), then checks host name and
    /// cloud-init through the agent and records the timings.
    func createAndMeasure(manager: SandboxManager, connection: LibvirtConnection, index: Int) async throws -> Sandbox {
        let clock = ContinuousClock()
        let start = clock.now
        let sandbox = try await manager.create(
            SandboxRequest(baseVM: BaseFixture.baseName(Self.flavour), waitForIP: true))
        let createToIP = clock.now - start
        let load = Self.loadAverage()
        let xml = try await connection.domainXML(named: sandbox.name.value, inactive: false, secure: false)
        let facts = try BaseVM(xml: xml)
        let cpu = "\(facts.cpu.map { "\($0)" } ?? "default") x\(facts.vcpus)"
        #expect(facts.cpu == .named("cortex-a57"), "\(xml)")
        guard case .kernel(_, _, let cmdline) = facts.boot else {
            throw SandboxError(.invalidArgument, "not a kernel boot")
        }
        #expect(cmdline.hasSuffix(" kpti=0"), "the library's EmulatedKernelTuning: \(cmdline)")

        let agent = GuestAgentClient(domains: connection, domain: sandbox.name.value)
        let uptimeAtLease = try await poll(timeout: .seconds(240)) { () async throws -> Double? in
            guard let data = (try? await agent.readFile("/proc/uptime")) ?? nil else { return nil }
            let readAt = clock.now
            guard let uptime = Double(String(decoding: data, as: UTF8.self).split(separator: " ").first ?? "") else {
                return nil
            }
            return uptime - (readAt - start - createToIP).seconds
        }
        #expect(try await agent.hostname() == sandbox.name.value)
        let finished = try await poll(timeout: .seconds(600), every: .seconds(1)) {
            (try? await agent.cloudInitResult()) ?? nil
        }
        let cloudInitSeconds = (clock.now - start).seconds
        let result = try #require(finished, "cloud-init did not finish in \(sandbox.name)")
        #expect(result.errors.isEmpty, "cloud-init errors in \(sandbox.name): \(result.errors)")
        #expect(result.datasource?.contains("NoCloud") == true, "\(result)")
        await ResultsFile.shared.append(
            E2EResult(
                flavour: Self.flavour, sandbox: sandbox.name.value, kind: "defaults-\(index)",
                ipAddress: sandbox.ipAddress, createToIPSeconds: createToIP.seconds,
                guestKernelToLeaseSeconds: uptimeAtLease, cloudInitFinishedSeconds: cloudInitSeconds, cpu: cpu,
                hostLoad: load))
        return sandbox
    }

    static func loadAverage() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return nil }
        return Double(text.split(separator: " ").first ?? "")
    }
}

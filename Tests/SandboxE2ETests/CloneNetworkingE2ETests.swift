import Foundation
import Synchronization
import Testing

@testable import SandboxCore

/// Real guests, real cloud-init, a real libvirtd (in its own network namespace) under QEMU.
///
/// Per guest flavour: boot the base once (the state users clone from), show that a clone with the
/// base's seed gets no lease (the bug), then that SandboxCore's clones do — one alone and five at
/// once with distinct addresses — and that destroy leaves no domain, file or lease.
/// Run by `e2e/run.sh` (and so by `.ci/run`); skipped without `SANDBOX_E2E_URI`.
@Suite(.serialized, .e2eEnabled, .e2eWorkspace)
struct CloneNetworkingE2ETests {
    @Test(arguments: E2EEnvironment.flavours)
    func clonesGetTheirOwnNetwork(flavour: String) async throws {
        let workspace = try #require(E2EWorkspace.current)
        let connection = workspace.connection

        // 1. The base: booted once with its own instance-id, then shut down cleanly (one per run).
        let fixture = try await workspace.bootedBase(flavour)

        let manager = workspace.manager(
            in: try workspace.folder("clone-" + flavour), owner: "e2e", gracefulShutdownTimeout: .seconds(60),
            discoverySources: [.networkLeases, .lease])

        // 2. The bug: a clone that boots with the base's seed (same instance-id) on a new MAC.
        let stale = try await fixture.startStaleClone()
        workspace.atEnd { await fixture.removeStaleClone(stale) }

        // 3. SandboxCore's clone: its own seed, its own MAC.
        let single = try await createAndCheck(
            manager: manager, connection: connection, flavour: flavour, kind: "single")

        let staleOutcome = try await fixture.checkStaleClone(stale)
        if flavour == "netplan" {
            #expect(staleOutcome.lease == nil, "the stale clone got \(staleOutcome.lease ?? "")")
            #expect(
                [.noPackets, .noLease].contains(staleOutcome.diagnosis.verdict.stage),
                "\(staleOutcome.diagnosis.report)")
        }
        await ResultsFile.shared.append(
            E2EResult(
                flavour: flavour, sandbox: stale.name, kind: "stale-seed", ipAddress: staleOutcome.lease,
                note: "verdict: \(staleOutcome.diagnosis.verdict)"))
        await fixture.removeStaleClone(stale)

        // 4. Five at once: with the single one, six distinct addresses.
        let parallel = try await withThrowingTaskGroup(of: Sandbox.self) { group in
            for index in 0..<5 {
                group.addTask {
                    try await createAndCheck(
                        manager: manager, connection: connection, flavour: flavour, kind: "parallel-\(index)")
                }
            }
            return try await group.reduce(into: [Sandbox]()) { $0.append($1) }
        }
        let addresses = parallel.compactMap(\.ipAddress) + [single.ipAddress].compactMap { $0 }
        #expect(Set(addresses).count == 6, "\(addresses)")

        // 4b. The isolation defaults on a real bridge: a sandbox reaches the host's side of the
        // network but not its neighbours (ports isolated), and with clean-traffic a changed MAC
        // gets nothing through.
        try await Self.checkIsolation(
            from: parallel[0], to: parallel[1], connection: connection, network: workspace.network,
            flavour: flavour)

        // 5. A stock host (QEMU as libvirt-qemu, dynamic ownership): job folders are root's and
        // QEMU's group's only, and one clone going away leaves the base usable by its siblings.
        let qemu = try #require(
            QEMUProcessIdentity.fromCapabilities(try await connection.capabilitiesXML(), virtType: "qemu"))
        #expect(!qemu.isRoot, "the E2E daemon runs QEMU as root: not a stock host")
        #expect(try Self.ownerAndMode(single.jobDirectory) == [0, qemu.gid, 0o710])
        try await manager.destroy(single.name)
        #expect(try Self.ownerAndMode(fixture.baseDisk).first == qemu.uid, "the base lost QEMU's label")
        let sibling = GuestAgentClient(domains: connection, domain: parallel[0].name.value)
        // Read 20 MB of the base's blocks again, past the guest's page cache.
        let reread = try await sibling.run(
            "sync && echo 3 > /proc/sys/vm/drop_caches && cat /usr/bin/* | head -c 20000000 | wc -c",
            options: .init(timeout: .seconds(300)))
        #expect(reread.exitCode == 0, "\(reread.stderr)")

        // 6. Destroy (all at once): no domain, no files, no lease.
        let everyone = parallel + [single]
        try await withThrowingTaskGroup(of: Void.self) { group in
            for sandbox in parallel { group.addTask { try await manager.destroy(sandbox.name) } }
            try await group.waitForAll()
        }
        for sandbox in everyone {
            #expect(try await connection.domain(named: sandbox.name.value) == nil)
            #expect(!FileManager.default.fileExists(atPath: sandbox.jobDirectory))
        }
        let macs = Set(everyone.map(\.mac.description))
        let leftover = try await poll(timeout: .seconds(30)) { () async throws -> [String]? in
            let leases = try await connection.networkDHCPLeases(network: workspace.network, mac: nil)
            let left = leases.filter { macs.contains($0.mac.lowercased()) }.map(\.mac)
            return left.isEmpty ? [] : nil
        }
        #expect(leftover == [], "leases left after destroy for \(macs)")
        #expect(try await manager.list().isEmpty)
    }

    /// From `sandbox` (through its agent): a TCP connection to dnsmasq on the network's own address
    /// succeeds; one to `neighbour`'s sshd does not (`<port isolated='yes'/>`). With the host's
    /// `clean-traffic` on the NIC, a connection from an address the guest gave itself fails (no IP
    /// or ARP spoofing), and its own address still works.
    static func checkIsolation(
        from sandbox: Sandbox, to neighbour: Sandbox, connection: LibvirtConnection, network: String,
        flavour: String
    ) async throws {
        let networkXML = try await connection.networkXML(named: network)
        let gateway = try #require(SandboxManager.ipv4Subnets(in: networkXML).first?.address, "\(networkXML)")
        let own = try #require(sandbox.ipAddress)
        let other = try #require(neighbour.ipAddress)
        let agent = GuestAgentClient(domains: connection, domain: sandbox.name.value)
        func connects(_ host: String, _ port: Int, from source: String = "") async throws -> Bool {
            let result = try await agent.run(
                "python3 -c \"import socket; socket.create_connection(('\(host)', \(port)), 4, ('\(source)', 0)).close()\"",
                options: .init(timeout: .seconds(60)))
            return result.exitCode == 0
        }
        #expect(try await connects(gateway.description, 53), "\(sandbox.name) cannot reach dnsmasq on \(gateway)")
        #expect(!(try await connects(other, 22)), "\(sandbox.name) reached its neighbour \(other):22")

        let xml = try await connection.domainXML(named: sandbox.name.value, inactive: false)
        let filtered = xml.contains("<filterref filter='clean-traffic'")
        // e2e/install-deps.sh installs Debian's filters, as libvirt-daemon-system does on a stock host.
        #expect(filtered, "no clean-traffic on \(sandbox.name)'s NIC")
        var note = "gateway \(gateway):53 reachable, neighbour \(other):22 not (port isolated)"
        if filtered {
            // An address nobody has: without the filter the gateway's answer would reach the guest
            // (it answers ARP for it); with clean-traffic neither the SYN nor that ARP leaves.
            var bytes = gateway.bytes
            bytes[3] = 253
            let spoofed = try #require(IPAddress(bytes.map(String.init).joined(separator: ".")))
            let device = "$(ip -o -4 addr show | awk '/ \(own)\\//{print $2}')"
            let add = try await agent.run(
                "ip addr add \(spoofed)/32 dev \(device)", options: .init(timeout: .seconds(30)))
            #expect(add.exitCode == 0, "\(add.stderr)")
            let spoofedGetsThrough = try await connects(gateway.description, 53, from: spoofed.description)
            _ = try await agent.run("ip addr del \(spoofed)/32 dev \(device)", options: .init(timeout: .seconds(30)))
            #expect(!spoofedGetsThrough, "a connection from the spoofed \(spoofed) got through clean-traffic")
            #expect(try await connects(gateway.description, 53), "\(sandbox.name) lost the gateway after the spoof")
            note += "; clean-traffic: nothing from the spoofed \(spoofed) got through, the own address still did"
        } else {
            note += "; no clean-traffic filter on this host"
        }
        await ResultsFile.shared.append(
            E2EResult(flavour: flavour, sandbox: sandbox.name.value, kind: "isolation", note: note))
    }

    /// Creates a sandbox, waits for its address, checks hostname and cloud-init through the agent.
    func createAndCheck(
        manager: SandboxManager, connection: LibvirtConnection, flavour: String, kind: String
    ) async throws -> Sandbox {
        let clock = ContinuousClock()
        let environment = try #require(E2EEnvironment.current)
        let name = try SandboxName("e2e-\(flavour)-\(kind)-" + UUID().uuidString.prefix(6).lowercased())
        let probe = LeaseLatencyProbe(domain: name.value)
        if let statusFile = environment.leaseStatusFile {
            probe.start(connection: connection, uri: environment.uri, statusFile: statusFile)
        }
        let knownAt = Mutex<ContinuousClock.Instant?>(nil)
        let start = clock.now
        let sandbox = try await manager.create(
            SandboxRequest(
                baseVM: BaseFixture.baseName(flavour), name: name, waitForIP: true,
                ipTimeout: E2EEnvironment.bootTimeout),
            progress: { progress in
                if case .stage(.ip, _) = progress { knownAt.withLock { $0 = ContinuousClock.now } }
            })
        let createToIP = clock.now - start
        let latency = await probe.finish(libraryKnewAt: knownAt.withLock { $0 } ?? clock.now)
        let agent = GuestAgentClient(domains: connection, domain: sandbox.name.value)
        // The agent starts late in an emulated boot, later still on a loaded machine.
        let uptimeAtLease = try await poll(timeout: .seconds(300)) { () async throws -> Double? in
            guard let data = (try? await agent.readFile("/proc/uptime")) ?? nil else { return nil }
            let text = String(decoding: data, as: UTF8.self)
            let readAt = clock.now
            guard let uptime = Double(text.split(separator: " ").first ?? "") else { return nil }
            return uptime - (readAt - start - createToIP).seconds
        }
        let hostname = try await poll(timeout: .seconds(60)) { (try? await agent.hostname()) ?? nil }
        #expect(hostname == sandbox.name.value)
        if kind == "single" { try await expectCloudInitSucceeded(agent: agent, sandbox: sandbox) }
        await ResultsFile.shared.append(
            E2EResult(
                flavour: flavour, sandbox: sandbox.name.value, kind: kind, ipAddress: sandbox.ipAddress,
                createToIPSeconds: createToIP.seconds, guestKernelToLeaseSeconds: uptimeAtLease,
                leaseToLibraryMs: latency.library, leaseToVirshLoopMs: latency.virshLoop))
        return sandbox
    }

    /// cloud-init finished in the sandbox, with no errors, from SandboxCore's own seed.
    func expectCloudInitSucceeded(agent: GuestAgentClient, sandbox: Sandbox) async throws {
        let finished = try await poll(timeout: .seconds(300), every: .seconds(2)) {
            (try? await agent.cloudInitResult()) ?? nil
        }
        let result = try #require(finished, "cloud-init did not finish in \(sandbox.name)")
        #expect(result.errors.isEmpty, "cloud-init errors in \(sandbox.name): \(result.errors)")
        #expect(result.datasource?.contains("NoCloud") == true, "\(result)")
    }
}

extension CloneNetworkingE2ETests {
    /// `[uid, gid, permission bits]` of a file.
    static func ownerAndMode(_ path: String) throws -> [UInt32] {
        var info = stat()
        guard stat(path, &info) == 0 else { throw SandboxError(.io, "cannot stat \(path)") }
        return [info.st_uid, info.st_gid, UInt32(info.st_mode) & 0o7777]
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

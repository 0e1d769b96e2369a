import Foundation
import Testing

@testable import SandboxCore

/// A fixed address on real guests of both network flavours: the library renders it (netplan
/// passes it through; cloud-init writes an ifupdown stanza on ENI), the guest configures it,
/// the guest agent reports it, and it answers pings from inside the test network's namespace.
/// The same sandboxes ask for a new machine-id on first boot and must have one. The ENI guest gets
/// its seed as a ConfigDrive (`config-2`, `network_data.json`): cloud-init must read it from there
/// and give the guest the sandbox's host name.
///
/// Both flavours boot at once. Run by `e2e/run.sh`; skipped without `SANDBOX_E2E_URI`.
@Suite(.serialized, .e2eEnabled, .e2eWorkspace)
struct NetworkOptionsE2ETests {
    @Test func aFixedAddressAnswersOnEveryFlavour() async throws {
        let workspace = try #require(E2EWorkspace.current)
        let subnet = try #require(
            SandboxManager.ipv4Subnets(in: try await workspace.connection.networkXML(named: workspace.network)).first,
            "the test network has no IPv4 subnet")
        let gateway = subnet.address
        await withTaskGroup(of: Void.self) { group in
            for (index, flavour) in E2EEnvironment.flavours.enumerated() {
                group.addTask {
                    do {
                        try await Self.fixedAddress(
                            flavour: flavour, index: index, gateway: gateway, prefix: subnet.prefixLength,
                            workspace: workspace)
                    } catch {
                        Issue.record("\(flavour): fixed address end to end failed: \(error)")
                    }
                }
            }
        }
    }

    static func fixedAddress(
        flavour: String, index: Int, gateway: IPAddress, prefix: Int, workspace: E2EWorkspace
    ) async throws {
        let work = try workspace.folder("netopts-" + flavour)
        let base = try await workspace.unbootedBase("e2e-netopts-base-\(flavour)", flavour: flavour, in: work)

        // Below the DHCP range (.100–.250) of the test network: nobody else has it.
        var octets = gateway.bytes
        octets[3] = UInt8(20 + index)
        let address = try IPAddress(parsing: octets.map(String.init).joined(separator: "."))
        let manager = workspace.manager(
            in: work, owner: "e2e-netopts", gracefulShutdownTimeout: .zero, discoverySources: [.agent])
        var request = SandboxRequest(
            baseVM: base.baseName, userData: UserData(resetMachineID: true), waitForIP: true,
            ipTimeout: E2EEnvironment.bootTimeout)
        let seedFormat: SeedFormat = flavour == "eni" ? .configDrive : .noCloud
        request.seedFormat = seedFormat
        request.nics = [
            SandboxNIC(
                ipv4: .fixed(try IPInterfaceAddress(address: address, prefixLength: prefix), gateway: gateway),
                nameservers: [gateway])
        ]
        let clock = ContinuousClock()
        let start = clock.now
        do {
            let sandbox = try await manager.create(request)
            try await check(
                sandbox, toIP: clock.now - start, address: address, gateway: gateway, prefix: prefix, flavour: flavour,
                seedFormat: seedFormat, manager: manager, environment: workspace.environment)
        } catch {
            Issue.record("\(flavour): \(error)")
        }
    }

    static func check(
        _ sandbox: Sandbox, toIP: Duration, address: IPAddress, gateway: IPAddress, prefix: Int, flavour: String,
        seedFormat: SeedFormat, manager: SandboxManager, environment: E2EEnvironment
    ) async throws {
        #expect(sandbox.ipAddress == address.description, "\(flavour): the agent reported \(sandbox.ipAddress ?? "-")")

        let agent = await manager.agent(for: sandbox.name)
        let addresses = try await agent.run("ip -4 -o addr show dev eth0; ip -4 route show default")
        #expect(addresses.stdout.contains("inet \(address)/\(prefix)"), "\(flavour): \(addresses.stdout)")
        #expect(addresses.stdout.contains("default via \(gateway)"), "\(flavour): \(addresses.stdout)")
        // cloud-init-per leaves its per-instance marker (dashes become '_'); the machine-id is 32 hex digits.
        let identity = try await agent.run(
            "cat /etc/machine-id; ls /var/lib/cloud/instance/sem/ | grep -c bootper.sandboxcore_machine_id.instance")
        let lines = identity.stdout.split(separator: "\n")
        #expect(lines.first?.count == 32, "\(flavour): \(identity.stdout)")
        #expect(lines.last == "1", "\(flavour): \(identity.stdout) \(identity.stderr)")

        // The seed's datasource, and the host name it carries.
        let hostname = try await agent.exec("/bin/hostname")
        #expect(hostname.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == sandbox.name.value, "\(flavour)")
        var finished: CloudInitResult?
        for _ in 0..<150 where finished == nil {
            finished = try await agent.cloudInitResult()
            if finished == nil { try await Task.sleep(for: .seconds(2)) }
        }
        let datasource = finished?.datasource ?? "-"
        #expect(
            datasource.contains(seedFormat == .configDrive ? "ConfigDrive" : "NoCloud"), "\(flavour): \(datasource)")

        // From the host side of the isolated network (its namespace), the guest answers.
        let ping = try pingInNamespace(address.description, environment: environment)
        #expect(ping.status == 0, "\(flavour): ping \(address): \(ping.stdout)\(ping.stderr)")
        let note =
            seedFormat.rawValue + ", "
            + String(
                format: "fixed %@/%d: create→agent-reported address %.1fs", address.description, prefix, toIP.seconds)
        print("Network options E2E (\(flavour)): \(note)")
        await ResultsFile.shared.append(
            E2EResult(
                flavour: flavour, sandbox: sandbox.name.value, kind: "fixed-ip", ipAddress: sandbox.ipAddress,
                createToIPSeconds: toIP.seconds, note: note))
    }

    /// `ping` run inside the test network's namespace (recorded by `e2e/libvirtd-netns.sh`).
    static func pingInNamespace(_ address: String, environment: E2EEnvironment) throws -> (
        status: Int32, stdout: String, stderr: String
    ) {
        let state = try #require(environment.stateDirectory, "no SANDBOX_E2E_STATE")
        let namespace = try String(contentsOfFile: state + "/netns", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let process = Process()
        process.executableURL = URL(
            fileURLWithPath: FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip")
                ? "/usr/sbin/ip" : "/sbin/ip")
        process.arguments = ["netns", "exec", namespace, "ping", "-c", "3", "-W", "2", address]
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        process.waitUntilExit()
        return (
            process.terminationStatus, String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self),
            String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        )
    }
}

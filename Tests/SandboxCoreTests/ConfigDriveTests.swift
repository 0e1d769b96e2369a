import Foundation
import Testing

@testable import SandboxCore
@testable import SandboxSeed

/// ConfigDrive seeds: the volume, the file tree, and what cloud-init's own ConfigDrive code makes
/// of `network_data.json`.
@Suite struct ConfigDriveTests {
    static func seed(vendorData: String? = nil) throws -> CloudInitSeed {
        CloudInitSeed(
            instanceID: "sbx-cd-1", hostname: try Hostname("cd-host"), network: try NetworkOptionsTests.twoNICs(),
            userData: UserData(extraCloudConfig: "runcmd: [[touch, /tmp/ok]]"), vendorData: vendorData,
            format: .configDrive)
    }

    @Test func metaDataCarriesTheInstanceIDAndHostname() throws {
        let files = try CloudInitSeedBuilder().files(for: try Self.seed())
        let meta = try #require(
            try JSONSerialization.jsonObject(with: Data(files.metaData.utf8)) as? [String: Any])
        #expect(meta["uuid"] as? String == "sbx-cd-1")
        #expect(meta["hostname"] as? String == "cd-host")
        #expect(files.userData.hasPrefix("#cloud-config\n"))
        #expect(files.named.map(\.name) == ["meta_data.json", "user_data", "network_data.json"])
    }

    /// The diagnosis of a ConfigDrive sandbox reads its instance-id and network config from the
    /// ConfigDrive files beside the seed, as it does NoCloud's.
    @Test func aConfigDriveSandboxsDiagnosisFindsItsInstanceID() async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        let manager = host.manager()
        var request = SandboxRequest(baseVM: base)
        request.seedFormat = .configDrive
        let sandbox = try await manager.create(request)
        let seed = try await manager.diagnose(sandbox.name).seed
        #expect(seed.attached)
        #expect(seed.instanceID == sandbox.name.value)
        #expect(seed.networkConfig?.contains(sandbox.mac.description) == true, "\(seed.networkConfig ?? "none")")
        try await manager.destroy(sandbox.name)
        await host.cleanUp(bases: [base])
    }

    @Test func theSameSeedGivesTheSameBytes() throws {
        let one = try CloudInitSeedBuilder().isoImage(for: try Self.seed(vendorData: "#cloud-config\n{}\n"))
        let two = try CloudInitSeedBuilder().isoImage(for: try Self.seed(vendorData: "#cloud-config\n{}\n"))
        let firstDifference = zip(one, two).enumerated().first { $0.element.0 != $0.element.1 }?.offset
        #expect(
            one.count == two.count && firstDifference == nil, "differ at byte \(String(describing: firstDifference))")
    }

    @Test(.enabled(if: ExternalTool.exists("/usr/sbin/blkid") || ExternalTool.exists("/sbin/blkid")))
    func theVolumeIsLabelledConfig2() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let iso = folder.file("seed.iso")
        try CloudInitSeedBuilder().write(try Self.seed(), isoPath: iso)
        let blkid = ExternalTool.exists("/usr/sbin/blkid") ? "/usr/sbin/blkid" : "/sbin/blkid"
        let result = try ExternalTool.run(blkid, ["-p", "-o", "export", iso])
        #expect(result.stdout.contains("LABEL=config-2"), "\(result.stdout)")
        #expect(result.stdout.contains("TYPE=iso9660"), "\(result.stdout)")
    }

    @Test(.enabled(if: ExternalTool.exists("/usr/bin/isoinfo")), arguments: ["-R", "-J"])
    func theFilesAreUnderOpenstackLatest(tree: String) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let iso = folder.file("seed.iso")
        let files = try CloudInitSeedBuilder().write(try Self.seed(vendorData: "#cloud-config\n{}\n"), isoPath: iso)
        for (name, contents) in files.named {
            let result = try ExternalTool.run(
                "/usr/bin/isoinfo", ["-i", iso, tree, "-x", "/openstack/latest/" + name])
            #expect(result.stdout == contents, "\(name) in the \(tree) tree")
        }
        let vendor = try #require(files.vendorData)
        #expect(
            try JSONSerialization.jsonObject(with: Data(vendor.utf8), options: .fragmentsAllowed) as? String
                == "#cloud-config\n{}\n")
    }

    /// cloud-init's ConfigDrive helper turns network_data.json into its network state; netplan
    /// output shows names, MACs, addresses, routes and DNS made it through.
    @Test(.enabled(if: ExternalTool.exists("/usr/bin/cloud-init")))
    func cloudInitReadsTheNetworkData() throws {
        let files = try CloudInitSeedBuilder().files(for: try Self.seed())
        let netplan = try NetworkRenderers.cloudInitConvert(
            files.networkConfig, kind: "network_data.json", output: "netplan")
        for text in [
            "eth0:", "macaddress: '52:54:00:12:34:56'", "set-name: eth0", "10.20.0.5/24", "fd00:20::5/64",
            "10.20.0.1", "fe80::1", "10.20.0.53", "sandbox.internal", "eth1:", "dhcp4: true",
        ] {
            #expect(netplan.contains(text), "missing \(text) in\n\(netplan)")
        }
    }

    /// On ENI guests the gateways must be ifupdown's own `gateway` lines: a `post-up route add` would
    /// need net-tools, which cloud images often lack.
    @Test(.enabled(if: ExternalTool.exists("/usr/bin/cloud-init")))
    func eniGuestsGetGatewayLines() throws {
        let files = try CloudInitSeedBuilder().files(for: try Self.seed())
        let eni = try NetworkRenderers.cloudInitConvert(files.networkConfig, kind: "network_data.json", output: "eni")
        for line in ["iface eth0 inet static", "gateway 10.20.0.1", "iface eth0 inet6 static", "gateway fe80::1"] {
            #expect(eni.contains(line), "missing \(line) in\n\(eni)")
        }
        #expect(!eni.contains("route add"), "\(eni)")
    }

    @Test func isoPathsMayNotClash() {
        let file = ISOFile(name: "latest", contents: [1])
        let nested = ISOFile(name: "x", contents: [2], folders: ["latest"])
        #expect(throws: SandboxError.self) {
            try ISO9660Image.build(volumeID: "v", files: [file, nested], timestamp: 0)
        }
        let deep = ISOFile(name: "x", contents: [2], folders: Array(repeating: "d", count: 7))
        #expect(throws: SandboxError.self) { try ISO9660Image.build(volumeID: "v", files: [deep], timestamp: 0) }
        let dotted = ISOFile(name: "x", contents: [2], folders: [".."])
        #expect(throws: SandboxError.self) { try ISO9660Image.build(volumeID: "v", files: [dotted], timestamp: 0) }
    }
}

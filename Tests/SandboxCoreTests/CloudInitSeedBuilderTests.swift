import Foundation
import Testing

@testable import SandboxCore

/// The whole seed path: model → YAML → ISO → file, read back by tools nobody here wrote.
@Suite struct CloudInitSeedBuilderTests {
    let seed = try! CloudInitSeed(
        sandbox: SandboxName("sbx-seedtest"), mac: MACAddress(parsing: "52:54:00:0a:0b:0c"),
        userData: UserData(extraCloudConfig: "runcmd: [[touch, /tmp/seeded]]"))

    @Test func writesISOAndPlainFilesWithMode0600() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let files = try CloudInitSeedBuilder().write(
            seed, isoPath: folder.file("cloud-init.iso"), plainFilesDirectory: folder.path)
        for name in ["cloud-init.iso", "meta-data", "user-data", "network-config"] {
            let attributes = try FileManager.default.attributesOfItem(atPath: folder.file(name))
            #expect((attributes[.posixPermissions] as? Int) == 0o600, "\(name)")
        }
        #expect(try String(contentsOfFile: folder.file("user-data"), encoding: .utf8) == files.userData)
        #expect(!FileManager.default.fileExists(atPath: folder.file("vendor-data")))
        // No temporary files are left behind.
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
                == ["cloud-init.iso", "meta-data", "network-config", "user-data"])
    }

    @Test(.enabled(if: ExternalTool.exists("/usr/bin/isoinfo")), arguments: ["-R", "-J"])
    func isoCarriesTheRenderedFiles(tree: String) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let iso = folder.file("cloud-init.iso")
        let files = try CloudInitSeedBuilder().write(seed, isoPath: iso)
        for file in files.named {
            let result = try ExternalTool.run("/usr/bin/isoinfo", ["-i", iso, tree, "-x", "/" + file.name])
            #expect(result.stdout == file.contents, "\(file.name)")
        }
    }

    @Test(.enabled(if: ExternalTool.exists("/usr/sbin/blkid") || ExternalTool.exists("/sbin/blkid")))
    func blkidFindsTheNoCloudLabel() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let iso = folder.file("cloud-init.iso")
        try CloudInitSeedBuilder().write(seed, isoPath: iso)
        let blkid = ExternalTool.exists("/usr/sbin/blkid") ? "/usr/sbin/blkid" : "/sbin/blkid"
        let result = try ExternalTool.run(blkid, ["-p", "-o", "export", iso])
        #expect(result.stdout.contains("TYPE=iso9660"))
        #expect(result.stdout.contains("LABEL=cidata"))
    }

    @Test func sameSeedSameBytesAndCallerTimeChangesThem() throws {
        let a = try CloudInitSeedBuilder().isoImage(for: seed)
        let b = try CloudInitSeedBuilder().isoImage(for: seed)
        let c = try CloudInitSeedBuilder(timestamp: 1_800_000_000).isoImage(for: seed)
        #expect(a == b)
        #expect(a != c)
    }

    @Test func vendorDataIsIncludedWhenGiven() throws {
        var withVendor = seed
        withVendor.vendorData = "#cloud-config\n{}\n"
        let files = try CloudInitSeedBuilder().files(for: withVendor)
        #expect(files.named.map(\.name) == ["meta-data", "user-data", "network-config", "vendor-data"])
    }

    @Test func invalidSeedWritesNothing() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var bad = seed
        bad.instanceID = "a\nb"
        #expect(throws: SandboxError.self) {
            try CloudInitSeedBuilder().write(
                bad, isoPath: folder.file("cloud-init.iso"), plainFilesDirectory: folder.path)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }

    @Test func relativeOrHostilePathsAreRefused() {
        for path in ["seed.iso", "/a/../b.iso", "/a\nb.iso"] {
            #expect(throws: SandboxError.self) { try CloudInitSeedBuilder().write(seed, isoPath: path) }
        }
    }
}

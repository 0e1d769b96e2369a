import Foundation
import Testing
import Yams

@testable import SandboxCore
@testable import SandboxSeed

@Suite struct CloudInitYAMLTests {
    let mac = try! MACAddress(parsing: "52:54:00:12:34:56")

    func seed(_ userData: UserData = UserData()) throws -> CloudInitSeed {
        try CloudInitSeed(sandbox: SandboxName("sbx-0123abcd"), mac: mac, userData: userData)
    }

    @Test func metaDataCarriesInstanceIDAndHostname() throws {
        let files = try CloudInitSeedBuilder().files(for: seed())
        let parsed = try #require(try Yams.load(yaml: files.metaData) as? [String: Any])
        #expect(parsed["instance-id"] as? String == "sbx-0123abcd")
        #expect(parsed["local-hostname"] as? String == "sbx-0123abcd")
    }

    @Test func networkConfigMatchesTheMACWithSetNameAndMACIdentifier() throws {
        let files = try CloudInitSeedBuilder().files(for: seed())
        let parsed = try #require(try Yams.load(yaml: files.networkConfig) as? [String: Any])
        #expect(parsed["version"] as? Int == 2)
        let ethernets = try #require(parsed["ethernets"] as? [String: Any])
        let eth0 = try #require(ethernets["eth0"] as? [String: Any])
        #expect((eth0["match"] as? [String: Any])?["macaddress"] as? String == "52:54:00:12:34:56")
        #expect(eth0["set-name"] as? String == "eth0")
        #expect(eth0["dhcp4"] as? Bool == true)
        #expect(eth0["dhcp-identifier"] as? String == "mac")
        #expect(!files.networkConfig.contains("driver"))
    }

    @Test func defaultUserDataAddsNothing() throws {
        let files = try CloudInitSeedBuilder().files(for: seed())
        #expect(files.userData == "#cloud-config\n{}\n")
    }

    @Test func sshKeysGoToTheNamedExistingUser() throws {
        let key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBv0 me@host"
        let files = try CloudInitSeedBuilder().files(for: seed(UserData(sshAuthorizedKeys: [key], sshUser: "debian")))
        #expect(files.userData.hasPrefix("#cloud-config\n"))
        let parsed = try #require(try Yams.load(yaml: files.userData) as? [String: Any])
        let users = try #require(parsed["users"] as? [[String: Any]])
        #expect(users.count == 1)
        #expect(users[0]["name"] as? String == "debian")
        #expect(users[0]["ssh_authorized_keys"] as? [String] == [key])
        #expect(parsed["disable_root"] == nil)
    }

    @Test func extraCloudConfigIsMergedAndWins() throws {
        let extra = "#cloud-config\nruncmd:\n  - [touch, /tmp/ok]\npackage_update: false\n"
        let files = try CloudInitSeedBuilder().files(for: seed(UserData(extraCloudConfig: extra)))
        let parsed = try #require(try Yams.load(yaml: files.userData) as? [String: Any])
        #expect(parsed["package_update"] as? Bool == false)
        #expect((parsed["runcmd"] as? [[String]])?.first == ["touch", "/tmp/ok"])
    }

    @Test(arguments: ["- a list", "just a string", "key: [unclosed", "a: b\n c: d: e"])
    func extraCloudConfigMustBeAMapping(extra: String) throws {
        #expect(throws: SandboxError.self) {
            try CloudInitSeedBuilder().files(for: seed(UserData(extraCloudConfig: extra)))
        }
    }

    @Test(arguments: ["", "ssh-rsa", "not-a-key AAAA", "ssh-ed25519 AAAA\nssh-rsa BBBB", "ssh-ed25519 AAAA\u{0}"])
    func badSSHKeysAreRejected(key: String) throws {
        #expect(throws: SandboxError.self) {
            try CloudInitSeedBuilder().files(for: seed(UserData(sshAuthorizedKeys: [key])))
        }
    }

    @Test(arguments: ["", "a\nb", "x\u{0}y", String(repeating: "i", count: 300)])
    func badInstanceIDsAreRejected(id: String) throws {
        var value = try seed()
        value.instanceID = id
        #expect(throws: SandboxError.self) { try CloudInitSeedBuilder().files(for: value) }
    }

    /// Hostile strings that pass validation (instance-id allows them) stay strings after a YAML round trip.
    @Test(arguments: [
        "a: b", "- x", "'quote", "\"dq", "&anchor", "*alias", "#comment", "true", "0x10", "1:20:30", "~", "{a: 1}",
    ])
    func hostileInstanceIDsRoundTripAsStrings(id: String) throws {
        var value = try seed()
        value.instanceID = id
        let files = try CloudInitSeedBuilder().files(for: value)
        let parsed = try #require(try Yams.load(yaml: files.metaData) as? [String: Any])
        #expect(parsed["instance-id"] as? String == id)
        #expect(parsed.count == 2)
    }

    /// cloud-init reads YAML with PyYAML (YAML 1.1), where an unquoted all-digit MAC is a base-60 number.
    @Test(.enabled(if: ExternalTool.exists("/usr/bin/python3")))
    func pyYAMLReadsTheMACAsAString() throws {
        let allDigits = try MACAddress(parsing: "52:54:00:12:34:56")
        let value = try CloudInitSeed(sandbox: SandboxName("sbx-1"), mac: allDigits)
        let files = try CloudInitSeedBuilder().files(for: value)
        let script = "import sys,yaml,json; print(json.dumps(yaml.safe_load(sys.stdin.read())))"
        let result = try ExternalTool.run("/usr/bin/python3", ["-c", script], stdin: files.networkConfig)
        try #require(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("\"macaddress\": \"52:54:00:12:34:56\""))
    }

    /// The host key reaches cloud-init's `ssh_keys` byte for byte, as PyYAML (cloud-init's reader)
    /// sees it, and cloud-init's schema accepts it.
    @Test(
        .enabled(
            if: ExternalTool.exists("/usr/bin/ssh-keygen") && ExternalTool.exists("/usr/bin/python3")
                && ExternalTool.exists("/usr/bin/cloud-init")))
    func sshHostKeysReachSSHKeysExactly() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let keyPath = folder.path + "/host"
        let made = try ExternalTool.run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", keyPath])
        try #require(made.status == 0, "\(made.stderr)")
        let key = SSHHostKey(
            privateKey: try String(contentsOfFile: keyPath, encoding: .utf8),
            publicKey: try String(contentsOfFile: keyPath + ".pub", encoding: .utf8).trimmingCharacters(
                in: .whitespacesAndNewlines))
        var userData = UserData(sshAuthorizedKeys: ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBv0 me@host"])
        userData.sshHostKeys = [key]
        let files = try CloudInitSeedBuilder().files(for: seed(userData))
        let path = try folder.write(files.userData, to: "user-data")
        let script = "import sys,yaml,json; print(json.dumps(yaml.safe_load(open(sys.argv[1]))['ssh_keys']))"
        let read = try ExternalTool.run("/usr/bin/python3", ["-c", script, path])
        try #require(read.status == 0, "\(read.stderr)")
        let keys = try #require(try JSONSerialization.jsonObject(with: Data(read.stdout.utf8)) as? [String: String])
        #expect(keys == ["ed25519_private": key.privateKey, "ed25519_public": key.publicKey], "\(files.userData)")
        let schema = try ExternalTool.run("/usr/bin/cloud-init", ["schema", "--config-file", path])
        #expect(schema.status == 0, "\(files.userData)\n\(schema.stdout)\(schema.stderr)")
    }

    @Test func sshHostKeysAreChecked() throws {
        let good = SSHHostKey(
            privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaA==\n-----END OPENSSH PRIVATE KEY-----\n",
            publicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBv0")
        var twice = UserData()
        twice.sshHostKeys = [good, good]
        var wrongType = UserData()
        wrongType.sshHostKeys = [SSHHostKey(privateKey: good.privateKey, publicKey: "ssh-dss AAAA")]
        var notAKeyFile = UserData()
        notAKeyFile.sshHostKeys = [SSHHostKey(privateKey: "key: value\nruncmd: [reboot]", publicKey: good.publicKey)]
        for userData in [twice, wrongType, notAKeyFile] {
            #expect(throws: SandboxError.self) { try userData.validate() }
        }
        var one = UserData()
        one.sshHostKeys = [good]
        try one.validate()
    }

    @Test(.enabled(if: ExternalTool.exists("/usr/bin/cloud-init")))
    func cloudInitSchemaAcceptsUserData() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBv0 me@host"
        for userData in [
            UserData(), UserData(sshAuthorizedKeys: [key]), UserData(extraCloudConfig: "runcmd: [[touch, /tmp/ok]]"),
        ] {
            let files = try CloudInitSeedBuilder().files(for: seed(userData))
            let path = try folder.write(files.userData, to: "user-data")
            let result = try ExternalTool.run("/usr/bin/cloud-init", ["schema", "--config-file", path])
            #expect(result.status == 0, "\(files.userData)\n\(result.stdout)\(result.stderr)")
        }
    }

    @Test(.enabled(if: ExternalTool.exists("/usr/sbin/netplan")))
    func netplanGeneratesAStanzaForTheMAC() throws {
        let files = try CloudInitSeedBuilder().files(for: seed())
        let network = try #require(
            try NetworkRenderers.netplanGenerate(files.networkConfig, interfaces: ["eth0"])["eth0"])
        #expect(network.contains("MACAddress=52:54:00:12:34:56"))
        #expect(network.contains("Name=eth0"))
        #expect(network.contains("DHCP=ipv4"))
        #expect(network.contains("ClientIdentifier=mac"))
    }
}

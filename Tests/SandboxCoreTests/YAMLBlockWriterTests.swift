import Foundation
import Testing
import Yams

@testable import SandboxCore
@testable import SandboxSeed

@Suite struct YAMLBlockWriterTests {
    /// Strings that break naive YAML, and what a YAML parser must read back.
    static let awkward: [String] = [
        "plain", "52:54:00:12:34:56", "0x1F", "1_000", "yes", "~", "null", "- item", "a: b", "#comment",
        "quote\"d", "back\\slash", "new\nline", "tab\there", "cr\rhere", "nul\u{0}byte", "bell\u{7}",
        "del\u{7F}", "nel\u{85}", "line\u{2028}sep", "para\u{2029}sep", "bom\u{FEFF}", "ünïcödé ✓", "😀",
        "  spaced  ", "",
    ]

    @Test(arguments: awkward) func doubleQuotedValuesReadBackExactly(value: String) throws {
        var writer = YAMLBlockWriter()
        writer.quoted("key", value, depth: 0)
        let node = try #require(try Yams.compose(yaml: writer.text))
        #expect(node["key"]?.string == value, "\(writer.text.debugDescription)")
    }

    @Test(arguments: ["eth0", "on", "yes", "null", "n", "enp1s0", "x_1", "1abc", "a:b", "has space"])
    func keysReadBackAsTheSameString(key: String) throws {
        var writer = YAMLBlockWriter()
        writer.plain(key, "true", depth: 0)
        let node = try #require(try Yams.compose(yaml: writer.text))
        guard case .mapping(let mapping) = node else {
            Issue.record("not a mapping: \(writer.text)")
            return
        }
        #expect(mapping.keys.first?.string == key, "\(writer.text)")
        // Yams resolves with YAML 1.2 rules; a YAML 1.1 boolean word must still be quoted.
        if ["on", "yes", "null", "n"].contains(key) { #expect(writer.text.hasPrefix("\"")) }
    }

    /// What cloud-init itself would read: PyYAML (YAML 1.1) gets every value and key back.
    @Test(.enabled(if: ExternalTool.exists("/usr/bin/python3")))
    func pyYAMLReadsEveryValueBack() throws {
        var writer = YAMLBlockWriter()
        for (index, value) in Self.awkward.enumerated() { writer.quoted("v\(index)", value, depth: 0) }
        for word in ["on", "yes", "null", "n"] { writer.plain(word, "1", depth: 0) }
        let script = """
            import json, sys, yaml
            data = yaml.safe_load(sys.stdin.read())
            print(json.dumps({str(type(k).__name__) + ":" + str(k): v for k, v in data.items()}))
            """
        let result = try ExternalTool.run("/usr/bin/python3", ["-c", script], stdin: writer.text)
        #expect(result.status == 0, "\(result.stderr)")
        let decoded = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
        for (index, value) in Self.awkward.enumerated() {
            #expect(decoded["str:v\(index)"] as? String == value, "v\(index) = \(value.debugDescription)")
        }
        for word in ["on", "yes", "null", "n"] {
            #expect(decoded["str:\(word)"] != nil, "\(word) became a non-string key")
        }
    }

    /// The writer's network-config is the document Yams emitted for the same model before.
    @Test func networkConfigMatchesTheNodeTreeEmission() throws {
        let mac = try MACAddress(parsing: "52:54:00:01:02:03")
        var config = NetworkConfig.dhcp(mac: mac)
        config.ethernets[0].dhcp6 = true
        let text = try CloudInitYAML.networkConfig(config)
        #expect(
            text == """
                version: 2
                ethernets:
                  eth0:
                    match:
                      macaddress: "52:54:00:01:02:03"
                    set-name: "eth0"
                    dhcp4: true
                    dhcp6: true
                    dhcp-identifier: mac

                """)
    }
}

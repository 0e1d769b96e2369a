import Testing

@testable import SandboxCore

@Suite struct MACAddressTests {
    @Test func parsesAndLowercases() throws {
        let mac = try MACAddress(parsing: "52:54:00:AB:cd:0F")
        #expect(mac.description == "52:54:00:ab:cd:0f")
    }

    @Test(arguments: [
        "", "52:54:00:ab:cd", "52:54:00:ab:cd:ef:01", "52-54-00-ab-cd-ef", "52:54:00:ab:cd:eg",
        "01:00:5e:00:00:01", "ff:ff:ff:ff:ff:ff", "00:00:00:00:00:00", "52:54:00:ab:cd:e",
        "52:54:00:ab:cd:ef\n", "<52:54:00:ab:cd:ef>", " 52:54:00:ab:cd:ef", "+2:54:00:ab:cd:ef",
    ])
    func rejectsMalformedOrMulticast(text: String) {
        #expect(throws: SandboxError.self) { try MACAddress(parsing: text) }
        do { _ = try MACAddress(parsing: text) } catch { #expect(error.code == .invalidArgument) }
    }

    @Test func randomIsUnicastInQemuPrefix() {
        for _ in 0..<100 {
            let mac = MACAddress.random()
            #expect(mac.octets[0...2] == [0x52, 0x54, 0x00])
            #expect(mac.octets[0] & 1 == 0)
        }
    }
}

@Suite struct HostnameTests {
    @Test(arguments: ["a", "sbx-1", "Web01", String(repeating: "a", count: 63)])
    func accepts(text: String) throws {
        #expect(try Hostname(text).value == text)
    }

    @Test(arguments: [
        "", "-a", "a-", "a.b", "a_b", "a b", "a\nb", "a:b", "a'b", "<x>", "&", "é",
        String(repeating: "a", count: 64), "host: x", "#x",
    ])
    func rejects(text: String) {
        #expect(throws: SandboxError.self) { try Hostname(text) }
    }
}

@Suite struct SandboxNameTests {
    @Test(arguments: ["sbx-0123abcd", "a", "web_1.test", "A-b_c.d"])
    func accepts(text: String) throws {
        #expect(try SandboxName(text).value == text)
    }

    @Test(arguments: [
        "", "<", ">", "'", "\"", "&", "a/b", "..", "a..b", "a\0b", "a\nb", "a b", "-a", ".a",
        "_a", String(repeating: "x", count: 300), "../etc", "naïve",
    ])
    func rejects(text: String) {
        #expect(throws: SandboxError.self) { try SandboxName(text) }
    }

    @Test func generatedNamesAreValidAndDistinct() {
        let names = Set((0..<200).map { _ in SandboxName.generate().value })
        #expect(names.count == 200)
        #expect(names.allSatisfy { $0.hasPrefix("sbx-") && $0.count == 12 })
    }

    @Test func defaultHostnameMapsSeparators() throws {
        #expect(try SandboxName("Web_1.test").defaultHostname.value == "web-1-test")
    }
}

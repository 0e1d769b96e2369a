import Foundation
import FoundationXML
import Testing
import Yams

@testable import SandboxCore
@testable import SandboxSeed

/// Seeded random inputs (deterministic: a failure names its case and reproduces) through the
/// renderers, builders and parsers: what they write always reads back as the same values.
@Suite struct PropertyTests {
    static let seed: UInt64 = 0x5EED_2026
    static let nameAlphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
    /// Characters that are trouble in XML, YAML, shells and paths, plus some non-ASCII.
    static let oddAlphabet = Array("ab01 <>&'\"%;:#{}[]*!|?@`$\\,~=+^()-_üé€日本\u{1F600}\u{200B}]]>--")

    static func sandboxName(_ random: inout SeededRandom) -> SandboxName {
        while true {
            let text = random.string(from: nameAlphabet, lengths: 1...63)
            if let name = try? SandboxName(text) { return name }
        }
    }

    static func oddPath(_ random: inout SeededRandom) -> String {
        let components = (0..<Int.random(in: 1...4, using: &random)).map { _ in
            var component = random.string(from: oddAlphabet, lengths: 1...24)
            if component == "." || component == ".." { component = "x" + component }
            return component
        }
        return "/" + components.joined(separator: "/")
    }

    static func mac(_ random: inout SeededRandom) -> MACAddress {
        var octets = (0..<6).map { _ in UInt8.random(in: 0...255, using: &random) }
        octets[0] &= 0xfe
        octets[5] |= 1
        return try! MACAddress(octets: octets)
    }

    @Test func renderedDomainXMLParsesAndKeepsEveryValue() throws {
        var random = SeededRandom(seed: Self.seed)
        for index in 0..<300 {
            let name = Self.sandboxName(&random)
            let memory = Int.random(in: 1...DomainSpec.maxMemoryMiB, using: &random)
            let vcpus = Int.random(in: 1...DomainSpec.maxVCPUs, using: &random)
            let mac = Self.mac(&random)
            let disk = Self.oddPath(&random)
            let seedPath = Self.oddPath(&random)
            let log = Self.oddPath(&random)
            let base = random.string(from: Self.oddAlphabet, lengths: 1...40)
            let agent = random.string(from: Self.oddAlphabet, lengths: 1...40)
            let cmdline = random.string(from: Self.oddAlphabet, lengths: 0...80)
            let spec = DomainSpec(
                name: name, uuid: UUID(), memoryMiB: memory, vcpus: vcpus, virtType: .qemu,
                boot: .kernel(path: Self.oddPath(&random), initrd: nil, cmdline: cmdline),
                disk: .init(path: disk, format: .qcow2), seedISOPath: seedPath,
                nic: .init(source: .network("default"), mac: mac, filter: index % 2 == 0 ? "clean-traffic" : nil),
                serialLogPath: log,
                metadata: SandboxMetadata(
                    owner: "owner", baseVM: base, createdAt: Int64(index), agentID: agent, ttlSeconds: index + 1,
                    jobDirectory: disk))
            let xml = try DomainXMLRenderer().render(spec)
            let root = try #require(try XMLDocument(xmlString: xml, options: []).rootElement(), "case \(index)")
            func value(_ path: String) throws -> String? { try root.nodes(forXPath: path).first?.stringValue }
            #expect(try value("/domain/name") == name.value, "case \(index)")
            #expect(try value("/domain/memory") == String(memory), "case \(index)")
            #expect(try value("/domain/vcpu") == String(vcpus), "case \(index)")
            #expect(try value("/domain/os/cmdline") == cmdline, "case \(index)")
            #expect(try value("/domain/devices/interface/mac/@address") == mac.description, "case \(index)")
            #expect(
                try value("/domain/devices/interface/filterref/@filter") == (index % 2 == 0 ? "clean-traffic" : nil))
            #expect(try value("/domain/devices/disk[@device='disk']/source/@file") == disk, "case \(index)")
            #expect(try value("/domain/devices/disk[@device='cdrom']/source/@file") == seedPath, "case \(index)")
            #expect(try value("/domain/devices/serial/log/@file") == log, "case \(index)")
            let metadata = try #require(
                (try root.nodes(forXPath: "/domain/metadata/*").first)?.xmlString, "case \(index)")
            let parsed = try #require(SandboxMetadata(metadataXML: metadata), "case \(index): \(metadata)")
            #expect(parsed.baseVM == base && parsed.agentID == agent && parsed.jobDirectory == disk, "case \(index)")
        }
    }

    /// YAML's own traps: words it reads as booleans, nulls and numbers.
    static let yamlTraps = [
        "yes", "no", "on", "off", "y", "n", "true", "false", "null", "Null", "NULL", "1e3", "0x1f", "0o17", "123",
        "1.5", "inf", "nan", "1_000", "12:30", "2026-11-29",
    ]

    @Test func seedYAMLLoadsBackToTheSameValues() throws {
        var random = SeededRandom(seed: Self.seed &+ 1)
        for index in 0..<300 {
            let name = Self.sandboxName(&random)
            let trap = index < Self.yamlTraps.count ? try? Hostname(Self.yamlTraps[index]) : nil
            let hostname =
                try trap
                ?? Hostname(
                    "h" + random.string(from: Array("abcdefghijklmnopqrstuvwxyz0123456789-"), lengths: 0...61) + "z")
            let instanceID =
                index < Self.yamlTraps.count
                ? Self.yamlTraps[index] : random.string(from: Self.oddAlphabet, lengths: 1...100)
            let mac = Self.mac(&random)
            let keys = (0..<Int.random(in: 0...3, using: &random)).map { _ in
                "ssh-ed25519 " + random.string(from: Self.oddAlphabet, lengths: 1...60)
            }
            var seed = try CloudInitSeed(
                sandbox: name, mac: mac, hostname: hostname, userData: UserData(sshAuthorizedKeys: keys))
            seed.instanceID = instanceID
            let files = try CloudInitSeedBuilder().files(for: seed)

            let meta = try #require(try Yams.load(yaml: files.metaData) as? [String: Any], "case \(index)")
            #expect(meta["instance-id"] as? String == instanceID, "case \(index): \(files.metaData)")
            #expect(meta["local-hostname"] as? String == hostname.value, "case \(index): \(files.metaData)")

            let network = try #require(try Yams.load(yaml: files.networkConfig) as? [String: Any], "case \(index)")
            let ethernets = try #require(network["ethernets"] as? [String: Any], "case \(index)")
            let nic = try #require(ethernets.values.first as? [String: Any], "case \(index)")
            #expect((nic["match"] as? [String: Any])?["macaddress"] as? String == mac.description, "case \(index)")

            #expect(files.userData.hasPrefix("#cloud-config\n"))
            let user = try #require(try Yams.load(yaml: files.userData) as? [String: Any], "case \(index)")
            let users = user["users"] as? [[String: Any]]
            #expect(
                (users?.first?["ssh_authorized_keys"] as? [String] ?? []) == keys, "case \(index): \(files.userData)")
        }
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/isoinfo")))
    func isoImagesReadBackFileForFile() throws {
        var random = SeededRandom(seed: Self.seed &+ 2)
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let names = [
            "meta-data", "user-data", "network-config", "vendor-data", "a", "x.y", "long-file-name-with-dashes",
        ]
        for index in 0..<40 {
            let count = Int.random(in: 1...4, using: &random)
            let chosen = Array(names.shuffled(using: &random).prefix(count))
            let files = chosen.map { name in
                let size = [0, 1, 2047, 2048, 2049, Int.random(in: 0...70_000, using: &random)]
                    .randomElement(using: &random)!
                return ISOFile(name: name, contents: (0..<size).map { _ in UInt8.random(in: 0...255, using: &random) })
            }
            let image = try ISO9660Image.build(volumeID: "cidata", files: files, timestamp: Int64(index) * 86_400)
            let path = folder.file("\(index).iso")
            try Data(image).write(to: URL(fileURLWithPath: path))
            for file in files {
                #expect(
                    extract(path, file.name) == file.contents,
                    "case \(index): \(file.name) (\(file.contents.count) bytes)")
            }
        }
    }

    /// The file's bytes as isoinfo extracts them (raw: the files are binary).
    private func extract(_ image: String, _ name: String) -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/isoinfo")
        process.arguments = ["-R", "-i", image, "-x", "/" + name]
        let pipe = Pipe()
        process.standardOutput = pipe
        guard (try? process.run()) != nil else { return [] }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Array(data)
    }

    @Test func goDurationParserNeverCrashesAndRoundTrips() throws {
        var random = SeededRandom(seed: Self.seed &+ 3)
        let alphabet = Array("0123456789.+-hmsunµμ x")
        var accepted = 0
        for _ in 0..<3000 {
            let text = random.string(from: alphabet, lengths: 0...16)
            if let value = try? GoDuration.parse(text) {
                accepted += 1
                #expect(value >= .zero, "\(text)")
            }
        }
        #expect(accepted > 0)

        let units: [(String, Int64)] = [
            ("ns", 1), ("us", 1000), ("µs", 1000), ("ms", 1_000_000), ("s", 1_000_000_000), ("m", 60_000_000_000),
            ("h", 3_600_000_000_000),
        ]
        for _ in 0..<1000 {
            var text = ""
            var nanoseconds: Int64 = 0
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let (unit, scale) = units.randomElement(using: &random)!
                let whole = Int64.random(in: 0...1000, using: &random)
                text += "\(whole)\(unit)"
                nanoseconds += whole * scale
            }
            #expect(try GoDuration.parse(text) == .nanoseconds(nanoseconds), "\(text)")
            #expect(try GoDuration.parse("+" + text) == .nanoseconds(nanoseconds), "+\(text)")
            #expect(throws: SandboxError.self) { try GoDuration.parse("-" + text) }
            let duration = Duration.nanoseconds(Int64.random(in: 0...(Int64.max / 2), using: &random))
            #expect(try GoDuration.parse(GoDuration.format(duration)) == duration, "\(GoDuration.format(duration))")
        }
    }
}

import Foundation
import Synchronization
import Testing

@testable import SandboxCore
@testable import SandboxSeed

private let hasIsoinfo = FileManager.default.isExecutableFile(atPath: "/usr/bin/isoinfo")
private let blkidPath = ["/usr/sbin/blkid", "/sbin/blkid", "/usr/bin/blkid"].first {
    FileManager.default.isExecutableFile(atPath: $0)
}

/// 2023-11-14 22:13:20 UTC.
private let fixedTime: Int64 = 1_700_000_000

private let seedFiles = [
    ISOFile(name: "meta-data", contents: Array("instance-id: sbx-1\nlocal-hostname: sbx-1\n".utf8)),
    ISOFile(name: "user-data", contents: Array("#cloud-config\nusers:\n  - name: dev\n    shell: /bin/bash\n".utf8)),
    ISOFile(name: "network-config", contents: Array("version: 2\nethernets:\n  eth0:\n    dhcp4: true\n".utf8)),
]

private func seedImage(_ files: [ISOFile] = seedFiles, timestamp: Int64 = fixedTime) throws -> [UInt8] {
    try ISO9660Image.build(volumeID: "cidata", files: files, timestamp: timestamp)
}

/// Writes `image` to a temporary file, runs `tool` with `arguments` (where `{}` stands for that file),
/// expects exit status 0, removes the file and returns the tool's standard output.
private func run(_ tool: String, _ arguments: [String], on image: [UInt8]) throws -> Data {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("iso9660-test-\(UUID().uuidString).iso")
    try Data(image).write(to: url)
    defer { try? FileManager.default.removeItem(at: url) }

    let process = Process()
    process.executableURL = URL(fileURLWithPath: tool)
    process.arguments = arguments.map { $0 == "{}" ? url.path : $0 }
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    #expect(process.terminationStatus == 0, "\(tool) \(arguments) exited with \(process.terminationStatus)")
    return data
}

private func runText(_ tool: String, _ arguments: [String], on image: [UInt8]) throws -> String {
    String(decoding: try run(tool, arguments, on: image), as: UTF8.self)
}

private func listedFiles(_ tree: String, in image: [UInt8]) throws -> [String] {
    try runText("/usr/bin/isoinfo", [tree, "-f", "-i", "{}"], on: image)
        .split(separator: "\n").map(String.init).sorted()
}

@Suite struct ISO9660ImageReadBackTests {
    @Test(.enabled(if: hasIsoinfo)) func volumeDescriptorsNameCidataWithRockRidgeAndJoliet() throws {
        let info = try runText("/usr/bin/isoinfo", ["-d", "-i", "{}"], on: try seedImage())
        let lines = info.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(lines.contains("Volume id: cidata"))
        #expect(lines.contains { $0.hasPrefix("Rock Ridge signatures") && $0.hasSuffix("found") })
        #expect(lines.contains { $0.hasPrefix("Joliet with UCS level") && $0.hasSuffix("found") })
    }

    @Test(.enabled(if: hasIsoinfo), arguments: ["-R", "-J"])
    func treesListExactLowercaseNames(tree: String) throws {
        #expect(try listedFiles(tree, in: try seedImage()) == ["/meta-data", "/network-config", "/user-data"])
    }

    @Test(.enabled(if: hasIsoinfo), arguments: ["-R", "-J"])
    func extractsExactBytes(tree: String) throws {
        let image = try seedImage()
        for file in seedFiles {
            let bytes = try run("/usr/bin/isoinfo", [tree, "-x", "/" + file.name, "-i", "{}"], on: image)
            #expect(Array(bytes) == file.contents, "\(file.name) via \(tree)")
        }
    }

    @Test(.enabled(if: blkidPath != nil)) func blkidSeesIso9660LabelledCidataWithTimestampUUID() throws {
        let export = try runText(blkidPath!, ["-p", "-o", "export", "{}"], on: try seedImage())
        let fields = Dictionary(
            export.split(separator: "\n").compactMap { line -> (String, String)? in
                guard let eq = line.firstIndex(of: "=") else { return nil }
                return (String(line[..<eq]), String(line[line.index(after: eq)...]))
            },
            uniquingKeysWith: { first, _ in first })
        #expect(fields["TYPE"] == "iso9660")
        #expect(fields["LABEL"] == "cidata")
        #expect(fields["UUID"] == "2023-11-14-22-13-20-00")
    }

    @Test(.enabled(if: hasIsoinfo)) func emptyFileWorks() throws {
        let image = try seedImage(seedFiles + [ISOFile(name: "vendor-data", contents: [])])
        #expect(try listedFiles("-R", in: image).contains("/vendor-data"))
        #expect(try run("/usr/bin/isoinfo", ["-R", "-x", "/vendor-data", "-i", "{}"], on: image).isEmpty)
        let userData = try run("/usr/bin/isoinfo", ["-R", "-x", "/user-data", "-i", "{}"], on: image)
        #expect(userData == Data(seedFiles[1].contents))
    }

    @Test(.enabled(if: hasIsoinfo)) func oneMebibyteFileRoundTrips() throws {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let big = (0..<(1 << 20)).map { _ -> UInt8 in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        let image = try seedImage(seedFiles + [ISOFile(name: "blob.bin", contents: big)])
        #expect(image.count > big.count && image.count % 2048 == 0)
        #expect(Array(try run("/usr/bin/isoinfo", ["-R", "-x", "/blob.bin", "-i", "{}"], on: image)) == big)
        #expect(Array(try run("/usr/bin/isoinfo", ["-J", "-x", "/blob.bin", "-i", "{}"], on: image)) == big)
    }

    @Test func boundaryLengthsAreAccepted() throws {
        let name = String(repeating: "n", count: ISO9660Image.maxNameBytes)
        let image = try ISO9660Image.build(
            volumeID: String(repeating: "V", count: 32), files: [ISOFile(name: name, contents: [1])],
            timestamp: ISO9660Image.timestampRange.upperBound)
        #expect(image.count % 2048 == 0)
        #expect(try ISO9660Image.build(volumeID: "x", files: [], timestamp: 0).count % 2048 == 0)
    }
}

@Suite struct ISO9660ImageDeterminismTests {
    @Test func sameInputGivesIdenticalBytes() throws {
        #expect(try seedImage() == seedImage())
    }

    @Test func fileOrderDoesNotMatter() throws {
        #expect(try seedImage(seedFiles.reversed()) == seedImage())
        #expect(try seedImage([seedFiles[1], seedFiles[0], seedFiles[2]]) == seedImage())
    }

    @Test func differentTimestampGivesDifferentBytes() throws {
        #expect(try seedImage(timestamp: fixedTime + 1) != seedImage())
    }

    @Test func wallClockDoesNotLeakIn() async throws {
        let before = try seedImage()
        try await Task.sleep(for: .milliseconds(1_100))
        #expect(try seedImage() == before)
    }

    @Test func concurrentBuildsAgree() throws {
        let expected = try seedImage()
        let results = Mutex<[[UInt8]]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<10 {
                let image = (try? seedImage()) ?? []
                results.withLock { $0.append(image) }
            }
        }
        let images = results.withLock { $0 }
        #expect(images.count == 80)
        #expect(images.allSatisfy { $0 == expected })
    }
}

@Suite struct ISO9660ImageValidationTests {
    @Test(arguments: ["", String(repeating: "a", count: 33), "ci data", "cidätä", "a/b", "a.b", "CIDATA\n"])
    func rejectsVolumeID(volumeID: String) {
        let error = #expect(throws: SandboxError.self) {
            try ISO9660Image.build(volumeID: volumeID, files: seedFiles, timestamp: fixedTime)
        }
        #expect(error?.code == .invalidArgument)
    }

    @Test(arguments: [
        "", ".", "..", "a/b", "/user-data", String(repeating: "n", count: 65),
        String(repeating: "ä", count: 33),
    ])
    func rejectsFileName(name: String) {
        let error = #expect(throws: SandboxError.self) {
            try seedImage(seedFiles + [ISOFile(name: name, contents: [])])
        }
        #expect(error?.code == .invalidArgument)
    }

    // Not parameterised: the console would print the NUL.
    @Test func rejectsNUL() {
        let volume = #expect(throws: SandboxError.self) {
            try ISO9660Image.build(volumeID: "ci\0data", files: seedFiles, timestamp: fixedTime)
        }
        #expect(volume?.code == .invalidArgument)
        let file = #expect(throws: SandboxError.self) {
            try seedImage(seedFiles + [ISOFile(name: "user\0data", contents: [])])
        }
        #expect(file?.code == .invalidArgument)
    }

    @Test func rejectsDuplicateNames() {
        let error = #expect(throws: SandboxError.self) {
            try seedImage(seedFiles + [ISOFile(name: "user-data", contents: [1, 2, 3])])
        }
        #expect(error?.code == .invalidArgument)
    }

    @Test(arguments: [Int64(-1), ISO9660Image.timestampRange.upperBound + 1, .min, .max])
    func rejectsTimestamp(timestamp: Int64) {
        let error = #expect(throws: SandboxError.self) { try seedImage(timestamp: timestamp) }
        #expect(error?.code == .invalidArgument)
    }

    @Test func libisofsFailuresCarryFunctionCodeAndMessage() {
        let code = Int32(bitPattern: 0xE830_FFBF)  // ISO_NODE_NAME_NOT_UNIQUE
        let error = IsofsRuntime.failure("iso_image_add_new_file", code)
        #expect(error.code == .seedBuildFailed)
        #expect(error.underlying?.operation == "iso_image_add_new_file")
        #expect(error.underlying?.code == Int(code))
        #expect(error.underlying?.message.isEmpty == false)
    }
}

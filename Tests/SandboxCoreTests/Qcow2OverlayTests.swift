import Foundation
import Testing

@testable import SandboxCore

private let qemuImg = "/usr/bin/qemu-img"
private let qemuIO = "/usr/bin/qemu-io"
private let haveQemu =
    FileManager.default.isExecutableFile(atPath: qemuImg)
    && FileManager.default.isExecutableFile(atPath: qemuIO)
private let mebibyte: UInt64 = 1 << 20

// MARK: - Helpers

private struct ToolResult {
    var status: Int32
    var output: String
    var errors: String
}

/// Runs a tool to completion and captures what it printed.
private func run(_ tool: String, _ arguments: [String]) throws -> ToolResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: tool)
    process.arguments = arguments
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    let errorData = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ToolResult(
        status: process.terminationStatus,
        output: String(decoding: outputData, as: UTF8.self),
        errors: String(decoding: errorData, as: UTF8.self))
}

/// Runs a tool and records a test issue unless it exits 0.
@discardableResult
private func runChecked(_ tool: String, _ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation)
    throws -> ToolResult
{
    let result = try run(tool, arguments)
    #expect(
        result.status == 0, "\(tool) \(arguments) failed: \(result.errors)\(result.output)",
        sourceLocation: sourceLocation)
    return result
}

private func json(_ text: String) throws -> Any {
    try JSONSerialization.jsonObject(with: Data(text.utf8))
}

/// `qemu-img check` must find no errors, leaks or corruptions.
private func expectClean(_ image: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let result = try run(qemuImg, ["check", "--output=json", image])
    #expect(
        result.status == 0, "qemu-img check \(image): \(result.errors)\(result.output)", sourceLocation: sourceLocation)
    let report = try #require(try json(result.output) as? [String: Any], sourceLocation: sourceLocation)
    #expect(report["check-errors"] as? Int == 0, sourceLocation: sourceLocation)
    #expect((report["leaks"] as? Int ?? 0) == 0, "leaks in \(image)", sourceLocation: sourceLocation)
    #expect((report["corruptions"] as? Int ?? 0) == 0, "corruptions in \(image)", sourceLocation: sourceLocation)
}

private func info(_ image: String) throws -> [String: Any] {
    let result = try runChecked(qemuImg, ["info", "--output=json", image])
    return try #require(try json(result.output) as? [String: Any])
}

/// A fresh directory, removed with everything in it when `body` returns.
private func withTemporaryDirectory<T>(_ body: (String) throws -> T) throws -> T {
    var template = Array((NSTemporaryDirectory() + "/qcow2-tests.XXXXXX").utf8CString)
    let directory = try #require(template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) })
    let path = URL(fileURLWithPath: String(cString: directory)).standardizedFileURL.path
    defer {
        // Make anything a test locked down removable again.
        _ = chmod(path, 0o700)
        try? FileManager.default.removeItem(atPath: path)
    }
    return try body(path)
}

private func makeRawFile(_ path: String, size: UInt64) throws {
    #expect(FileManager.default.createFile(atPath: path, contents: nil))
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    try handle.truncate(atOffset: size)
    try handle.close()
}

/// A 64 MiB qcow2 or 32 MiB raw base whose first MiB is 0xab.
private func makeBase(in directory: String, format: DiskFormat) throws -> String {
    let path = "\(directory)/base.\(format.rawValue)"
    switch format {
    case .qcow2: try runChecked(qemuImg, ["create", "-q", "-f", "qcow2", path, "64M"])
    case .raw: try makeRawFile(path, size: 32 * mebibyte)
    }
    try runChecked(qemuIO, ["-f", format.rawValue, "-c", "write -P 0xab 0 1M", path])
    return path
}

private func fileMode(_ path: String) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return try #require(attributes[.posixPermissions] as? Int)
}

private func expectError(
    _ code: SandboxError.Code, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws(SandboxError) -> Void
) {
    do {
        try body()
        Issue.record("expected a \(code) error, got none", sourceLocation: sourceLocation)
    } catch {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
    }
}

extension [UInt8] {
    fileprivate func uint32(at offset: Int) -> UInt32 { self[offset..<offset + 4].reduce(0) { $0 << 8 | UInt32($1) } }
    fileprivate func uint64(at offset: Int) -> UInt64 { self[offset..<offset + 8].reduce(0) { $0 << 8 | UInt64($1) } }
}

// MARK: - Overlay layout (pure)

@Suite struct Qcow2OverlayLayoutTests {
    @Test func headerFieldsFollowTheSpecification() throws {
        let backing = "/var/lib/sandbox/base.qcow2"
        let layout = Qcow2Overlay.Layout(backingPath: backing, backingFormat: .qcow2, virtualSize: 64 * mebibyte)
        let file = layout.flattened
        #expect(file.count == 4 * 65536)
        #expect(Array(file[0..<4]) == [0x51, 0x46, 0x49, 0xFB])
        #expect(file.uint32(at: 4) == 3)  // version
        #expect(file.uint64(at: 8) == 128)  // backing_file_offset
        #expect(file.uint32(at: 16) == UInt32(backing.utf8.count))  // backing_file_size
        #expect(file.uint32(at: 20) == 16)  // cluster_bits
        #expect(file.uint64(at: 24) == 64 * mebibyte)  // size
        #expect(file.uint32(at: 32) == 0)  // crypt_method
        #expect(file.uint32(at: 36) == 1)  // l1_size
        #expect(file.uint64(at: 40) == 0x30000)  // l1_table_offset
        #expect(file.uint64(at: 48) == 0x10000)  // refcount_table_offset
        #expect(file.uint32(at: 56) == 1)  // refcount_table_clusters
        #expect(file.uint32(at: 60) == 0)  // nb_snapshots
        #expect(file.uint64(at: 64) == 0)  // snapshots_offset
        #expect(file.uint64(at: 72) == 0 && file.uint64(at: 80) == 0 && file.uint64(at: 88) == 0)  // features
        #expect(file.uint32(at: 96) == 4)  // refcount_order
        #expect(file.uint32(at: 100) == 104)  // header_length
        #expect(file.uint32(at: 104) == 0xE279_2ACA)  // backing format extension
        #expect(file.uint32(at: 108) == 5)
        #expect(Array(file[112..<120]) == Array("qcow2".utf8) + [0, 0, 0])
        #expect(file.uint64(at: 120) == 0)  // end of extensions
        #expect(Array(file[128..<128 + backing.utf8.count]) == Array(backing.utf8))
        #expect(file[(128 + backing.utf8.count)..<65536].allSatisfy { $0 == 0 })
        #expect(file.uint64(at: 0x10000) == 0x20000)  // refcount table → block in cluster 2
        #expect(file[0x10008..<0x20000].allSatisfy { $0 == 0 })
        #expect((0..<4).allSatisfy { Int(file[0x20000 + 2 * $0]) << 8 | Int(file[0x20001 + 2 * $0]) == 1 })
        #expect(file[0x20008...].allSatisfy { $0 == 0 })  // rest of refcounts, and the L1 table

        #expect(layout == Qcow2Overlay.Layout(backingPath: backing, backingFormat: .qcow2, virtualSize: 64 * mebibyte))
        let (format, size) = try DiskImage.classify(header: Array(file.prefix(512)), fileSize: 0, path: "x")
        #expect(format == .qcow2 && size == 64 * mebibyte)
    }

    @Test func rawBackingFormatIsPaddedToEightBytes() {
        let file = Qcow2Overlay.Layout(backingPath: "/b", backingFormat: .raw, virtualSize: 512).flattened
        #expect(file.uint32(at: 108) == 3)
        #expect(Array(file[112..<120]) == Array("raw".utf8) + [0, 0, 0, 0, 0])
        #expect(file.uint64(at: 8) == 128)
    }

    /// (virtual size, L1 entries, clusters in use): one L1 entry maps 512 MiB; 8192 fit a cluster.
    static let l1Cases: [(UInt64, UInt32, UInt64)] = [
        (512, 1, 4),
        (512 * mebibyte, 1, 4),
        (512 * mebibyte + 512, 2, 4),
        (4 << 40, 8192, 4),
        ((4 << 40) + 512, 8193, 5),
        (Qcow2Overlay.maximumVirtualSize, 4 << 20, 3 + 512),
    ]

    @Test(arguments: l1Cases)
    func l1TableCoversTheDisk(size: UInt64, l1Size: UInt32, clusters: UInt64) {
        let layout = Qcow2Overlay.Layout(backingPath: "/b", backingFormat: .qcow2, virtualSize: size)
        #expect(layout.l1Size == l1Size)
        #expect(layout.clusterCount == clusters)
        #expect(layout.fileSize == clusters * 65536)
        #expect(layout.extents.last?.bytes.count == Int(clusters) * 2)
    }
}

// MARK: - Overlays checked by QEMU

@Suite(.enabled(if: haveQemu, "needs qemu-img and qemu-io"))
struct Qcow2OverlayTests {
    @Test(arguments: [DiskFormat.qcow2, .raw])
    func overlayReadsThroughAndWritesAside(baseFormat: DiskFormat) throws {
        try withTemporaryDirectory { directory in
            let base = try makeBase(in: directory, format: baseFormat)
            let baseInfo = try DiskImage.inspect(path: base)
            let overlay = "\(directory)/overlay.qcow2"
            try Qcow2Overlay.create(at: overlay, backing: baseInfo)

            try expectClean(overlay)
            #expect(try fileMode(overlay) == 0o600)
            let chainOutput = try runChecked(qemuImg, ["info", "--output=json", "--backing-chain", overlay]).output
            let chain = try #require(try json(chainOutput) as? [[String: Any]])
            #expect(chain.count == 2)
            #expect(chain[0]["format"] as? String == "qcow2")
            #expect(chain[0]["backing-filename"] as? String == base)
            #expect(chain[0]["backing-filename-format"] as? String == baseFormat.rawValue)
            #expect(chain[0]["virtual-size"] as? UInt64 == baseInfo.virtualSize)
            #expect(chain[1]["format"] as? String == baseFormat.rawValue)
            #expect(
                try DiskImage.inspect(path: overlay)
                    == DiskImageInfo(
                        path: overlay, format: .qcow2, virtualSize: baseInfo.virtualSize))

            try runChecked(qemuIO, ["-f", "qcow2", "-c", "read -P 0xab 0 1M", "-c", "read -P 0 1M 1M", overlay])

            let baseBytes = try Data(contentsOf: URL(fileURLWithPath: base))
            try runChecked(qemuIO, ["-f", "qcow2", "-c", "write -P 0xcd 512K 1M", overlay])
            try expectClean(overlay)
            try runChecked(
                qemuIO,
                [
                    "-f", "qcow2", "-c", "read -P 0xab 0 512K", "-c", "read -P 0xcd 512K 1M", "-c", "read -P 0 3M 1M",
                    overlay,
                ])
            #expect(try Data(contentsOf: URL(fileURLWithPath: base)) == baseBytes)
        }
    }

    @Test(arguments: [UInt64(1) << 30, 5 << 40])
    func biggerVirtualSize(size: UInt64) throws {
        try withTemporaryDirectory { directory in
            let base = try makeBase(in: directory, format: .qcow2)
            let overlay = "\(directory)/big.qcow2"
            try Qcow2Overlay.create(at: overlay, backing: try DiskImage.inspect(path: base), virtualSize: size)
            try expectClean(overlay)
            #expect(try info(overlay)["virtual-size"] as? UInt64 == size)
            let beyondBase = "\(size - mebibyte)"
            try runChecked(
                qemuIO,
                [
                    "-f", "qcow2", "-c", "read -P 0xab 0 1M", "-c", "write -P 0x11 \(beyondBase) 1M",
                    "-c", "read -P 0x11 \(beyondBase) 1M", overlay,
                ])
            try expectClean(overlay)
        }
    }

    @Test func sameFormatSpecificFieldsAsQemuImgCreate() throws {
        try withTemporaryDirectory { directory in
            let base = try makeBase(in: directory, format: .qcow2)
            let ours = "\(directory)/ours.qcow2"
            let theirs = "\(directory)/theirs.qcow2"
            try Qcow2Overlay.create(at: ours, backing: try DiskImage.inspect(path: base))
            try runChecked(qemuImg, ["create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", base, theirs])

            let (a, b) = (try info(ours), try info(theirs))
            for key in [
                "format", "virtual-size", "cluster-size", "backing-filename", "backing-filename-format",
                "full-backing-filename", "dirty-flag",
            ] {
                #expect(String(describing: a[key]) == String(describing: b[key]), "\(key)")
            }
            let ourData = try #require((a["format-specific"] as? [String: Any])?["data"] as? [String: Any])
            let theirData = try #require((b["format-specific"] as? [String: Any])?["data"] as? [String: Any])
            #expect(ourData["compat"] as? String == "1.1")
            #expect(ourData["refcount-bits"] as? Int == 16)
            #expect(ourData["lazy-refcounts"] as? Bool == false)
            #expect(ourData["corrupt"] as? Bool == false)
            for key in ["compat", "refcount-bits", "lazy-refcounts", "corrupt", "extended-l2", "compression-type"] {
                #expect(String(describing: ourData[key]) == String(describing: theirData[key]), "\(key)")
            }
        }
    }

    @Test func unalignedRawBaseIsRoundedUpLikeQemuImg() throws {
        try withTemporaryDirectory { directory in
            let base = "\(directory)/odd.raw"
            try makeRawFile(base, size: 1000)
            let overlay = "\(directory)/overlay.qcow2"
            try Qcow2Overlay.create(at: overlay, backing: try DiskImage.inspect(path: base))
            try expectClean(overlay)
            #expect(try info(overlay)["virtual-size"] as? Int == 1024)
            try runChecked(qemuIO, ["-f", "qcow2", "-c", "read -P 0 0 1024", overlay])
        }
    }

    @Test func existingTargetIsLeftUntouched() throws {
        try withTemporaryDirectory { directory in
            let baseInfo = try DiskImage.inspect(path: try makeBase(in: directory, format: .qcow2))
            let target = "\(directory)/taken.qcow2"
            let original = Data("precious".utf8)
            try original.write(to: URL(fileURLWithPath: target))
            expectError(.storageFailed) { () throws(SandboxError) in
                try Qcow2Overlay.create(at: target, backing: baseInfo)
            }
            #expect(try Data(contentsOf: URL(fileURLWithPath: target)) == original)

            // A symlink in the way, even a dangling one, is not followed.
            let link = "\(directory)/link.qcow2"
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "\(directory)/elsewhere")
            expectError(.storageFailed) { () throws(SandboxError) in
                try Qcow2Overlay.create(at: link, backing: baseInfo)
            }
            #expect(!FileManager.default.fileExists(atPath: "\(directory)/elsewhere"))
        }
    }

    @Test func invalidArgumentsLeaveNothingBehind() throws {
        try withTemporaryDirectory { directory in
            let baseInfo = try DiskImage.inspect(path: try makeBase(in: directory, format: .qcow2))
            let overlay = "\(directory)/overlay.qcow2"
            let cases: [(SandboxError.Code, () throws(SandboxError) -> Void)] = [
                (
                    .invalidArgument,
                    { () throws(SandboxError) in
                        try Qcow2Overlay.create(at: "overlay.qcow2", backing: baseInfo)
                    }
                ),
                (
                    .invalidArgument,
                    { () throws(SandboxError) in
                        var relative = baseInfo
                        relative.path = "base.qcow2"
                        try Qcow2Overlay.create(at: overlay, backing: relative)
                    }
                ),
                (
                    .invalidArgument,
                    { () throws(SandboxError) in
                        try Qcow2Overlay.create(at: overlay + "\n", backing: baseInfo)
                    }
                ),
                (
                    .invalidArgument,
                    { () throws(SandboxError) in
                        try Qcow2Overlay.create(at: overlay + "\0x", backing: baseInfo)
                    }
                ),
                (
                    .invalidArgument,
                    { () throws(SandboxError) in
                        var long = baseInfo
                        long.path = "/" + String(repeating: "a", count: 1023)
                        try Qcow2Overlay.create(at: overlay, backing: long)
                    }
                ),
                (
                    .invalidArgument,
                    { () throws(SandboxError) in
                        try Qcow2Overlay.create(at: overlay, backing: baseInfo, virtualSize: baseInfo.virtualSize - 512)
                    }
                ),
                (
                    .invalidArgument,
                    { () throws(SandboxError) in
                        try Qcow2Overlay.create(at: overlay, backing: baseInfo, virtualSize: baseInfo.virtualSize + 1)
                    }
                ),
                (
                    .invalidArgument,
                    { () throws(SandboxError) in
                        try Qcow2Overlay.create(
                            at: overlay, backing: baseInfo, virtualSize: Qcow2Overlay.maximumVirtualSize + 512)
                    }
                ),
                (
                    .invalidArgument,
                    { () throws(SandboxError) in
                        try Qcow2Overlay.create(at: overlay, backing: baseInfo, permissions: 0o4600)
                    }
                ),
                (
                    .storageFailed,
                    { () throws(SandboxError) in  // told raw, but the base is qcow2
                        var wrong = baseInfo
                        wrong.format = .raw
                        try Qcow2Overlay.create(at: overlay, backing: wrong)
                    }
                ),
                (
                    .notFound,
                    { () throws(SandboxError) in
                        var missing = baseInfo
                        missing.path = "\(directory)/missing.qcow2"
                        try Qcow2Overlay.create(at: overlay, backing: missing)
                    }
                ),
                (
                    .io,
                    { () throws(SandboxError) in
                        try Qcow2Overlay.create(at: "\(directory)/no/such/dir/overlay.qcow2", backing: baseInfo)
                    }
                ),
                (
                    .io,
                    { () throws(SandboxError) in  // a parent that is a file
                        try Qcow2Overlay.create(at: baseInfo.path + "/overlay.qcow2", backing: baseInfo)
                    }
                ),
            ]
            for (code, body) in cases {
                expectError(code, body)
                #expect(!FileManager.default.fileExists(atPath: overlay))
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["base.qcow2"])
        }
    }

    @Test(.enabled(if: geteuid() != 0, "root writes anywhere"))
    func unwritableDirectory() throws {
        try withTemporaryDirectory { directory in
            let baseInfo = try DiskImage.inspect(path: try makeBase(in: directory, format: .qcow2))
            let locked = "\(directory)/locked"
            try FileManager.default.createDirectory(atPath: locked, withIntermediateDirectories: false)
            #expect(chmod(locked, 0o500) == 0)
            defer { _ = chmod(locked, 0o700) }
            expectError(.io) { () throws(SandboxError) in
                try Qcow2Overlay.create(at: "\(locked)/overlay.qcow2", backing: baseInfo)
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: locked).isEmpty)
        }
    }

    @Test func permissionsAreExactAndDurableWorks() throws {
        try withTemporaryDirectory { directory in
            let baseInfo = try DiskImage.inspect(path: try makeBase(in: directory, format: .raw))
            let overlay = "\(directory)/shared.qcow2"
            // The usual umask 022 would narrow 0660 to 0640 at open(2).
            try Qcow2Overlay.create(at: overlay, backing: baseInfo, permissions: 0o660, durable: true)
            #expect(try fileMode(overlay) == 0o660)
            try expectClean(overlay)
        }
    }
}

// MARK: - Probing

@Suite struct DiskImageTests {
    @Test(.enabled(if: haveQemu, "needs qemu-img"), arguments: ["1.1", "0.10"])
    func qcow2VersionsGiveHeaderSize(compat: String) throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/disk.qcow2"
            try runChecked(qemuImg, ["create", "-q", "-f", "qcow2", "-o", "compat=\(compat)", path, "3G"])
            #expect(
                try DiskImage.inspect(path: path) == DiskImageInfo(path: path, format: .qcow2, virtualSize: 3 << 30))
            let version = try Array(Data(contentsOf: URL(fileURLWithPath: path)).prefix(8)).uint32(at: 4)
            #expect(version == (compat == "1.1" ? 3 : 2))
        }
    }

    @Test(arguments: [UInt64(0), 1000, 32 << 20])
    func rawGivesFileSize(size: UInt64) throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/disk.img"
            try makeRawFile(path, size: size)
            #expect(try DiskImage.inspect(path: path) == DiskImageInfo(path: path, format: .raw, virtualSize: size))
        }
    }

    /// Real images in other formats, made by qemu-img.
    @Test(.enabled(if: haveQemu, "needs qemu-img"), arguments: ["vmdk", "vdi", "vhdx", "qed", "vpc"])
    func otherFormatsAreRejected(format: String) throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/disk.\(format)"
            try runChecked(qemuImg, ["create", "-q", "-f", format, path, "64M"])
            expectError(.storageFailed) { () throws(SandboxError) in _ = try DiskImage.inspect(path: path) }
        }
    }

    @Test(.enabled(if: haveQemu, "needs qemu-img"))
    func encryptedQcow2IsRejected() throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/secret.qcow2"
            let arguments = [
                "create", "-q", "--object", "secret,id=sec0,data=hunter2", "-f", "qcow2",
                "-o", "encrypt.format=luks,encrypt.key-secret=sec0", path, "16M",
            ]
            // qemu-img times its LUKS key derivation by CPU usage and gives up ("Unable to get
            // accurate CPU usage") now and then on a busy 2-core host: try again before failing.
            var made = try run(qemuImg, arguments)
            for _ in 0..<3 where made.status != 0 && made.errors.contains("accurate CPU usage") {
                made = try run(qemuImg, arguments)
            }
            #expect(made.status == 0, "qemu-img create failed: \(made.errors)")
            do throws(SandboxError) {
                _ = try DiskImage.inspect(path: path)
                Issue.record("encrypted image accepted")
            } catch {
                #expect(error.code == .storageFailed)
                #expect(error.message.contains("encrypted"))
            }
        }
    }

    /// Headers written by hand: a fake VMDK and friends must never pass for raw.
    static let fakeHeaders: [(String, [UInt8])] = [
        ("VMDK", Array("KDMV".utf8) + [1, 0, 0, 0]),
        ("VHDX", Array("vhdxfile".utf8)),
        ("QED", Array("QED".utf8) + [0]),
        ("VDI", [UInt8](repeating: 0, count: 0x40) + [0x7F, 0x10, 0xDA, 0xBE]),
        ("QCOW version 1", [0x51, 0x46, 0x49, 0xFB, 0, 0, 0, 1] + [UInt8](repeating: 0, count: 64)),
        ("truncated", [0x51, 0x46, 0x49, 0xFB, 0, 0, 0, 3]),
    ]

    @Test(arguments: fakeHeaders)
    func fakeHeadersAreRejected(name: String, header: [UInt8]) throws {
        try withTemporaryDirectory { directory in
            let path = "\(directory)/fake"
            let bytes = name == "truncated" ? header : header + [UInt8](repeating: 0, count: 1024)
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            do throws(SandboxError) {
                _ = try DiskImage.inspect(path: path)
                Issue.record("\(name) header accepted")
            } catch {
                #expect(error.code == .storageFailed, "\(name): \(error)")
            }
        }
    }

    @Test func corruptBitIsRejected() {
        var header = Qcow2Overlay.Layout(backingPath: "/b", backingFormat: .raw, virtualSize: 512).extents[0].bytes
        header[79] = 0b10
        expectError(.storageFailed) { () throws(SandboxError) in
            _ = try DiskImage.classify(header: header, fileSize: 0, path: "x")
        }
    }

    @Test func missingDirectoryAndBadPaths() throws {
        try withTemporaryDirectory { directory in
            expectError(.notFound) { () throws(SandboxError) in _ = try DiskImage.inspect(path: "\(directory)/nope") }
            expectError(.io) { () throws(SandboxError) in _ = try DiskImage.inspect(path: directory) }
            expectError(.invalidArgument) { () throws(SandboxError) in _ = try DiskImage.inspect(path: "") }
            expectError(.invalidArgument) { () throws(SandboxError) in _ = try DiskImage.inspect(path: "/x\0y") }
        }
    }
}

import Foundation
import Testing

@testable import SandboxCore

/// A tmpfs of our own, mounted on a fresh folder and unmounted by `unmount()`.
struct SmallFileSystem {
    let folder: TemporaryFolder
    var path: String { folder.file("fs") }

    static let canMount: Bool = {
        guard getuid() == 0, let folder = try? TemporaryFolder() else { return false }
        defer { folder.remove() }
        guard let fs = try? SmallFileSystem(size: "64k", folder: folder) else { return false }
        fs.unmount()
        return true
    }()

    init(size: String, readOnly: Bool = false, folder: TemporaryFolder? = nil) throws {
        self.folder = try folder ?? TemporaryFolder()
        try FileManager.default.createDirectory(atPath: self.folder.file("fs"), withIntermediateDirectories: false)
        let options = "size=\(size),mode=0755" + (readOnly ? ",ro" : "")
        let result = try ExternalTool.run(
            "/usr/bin/mount", ["-t", "tmpfs", "-o", options, "tmpfs", self.folder.file("fs")])
        guard result.status == 0 else { throw SandboxError(.io, "mount failed: \(result.stderr)") }
    }

    /// Fills the file system until only `free` bytes (rounded to pages) are left.
    func fill(leaving free: Int) throws {
        let filler = path + "/filler"
        let fd = open(filler, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw SandboxError(.io, "cannot make \(filler)") }
        defer { close(fd) }
        let chunk = [UInt8](repeating: 0xaa, count: 4096)
        var written = 0
        while chunk.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == chunk.count { written += chunk.count }
        guard ftruncate(fd, off_t(max(0, written - free))) == 0 else { throw SandboxError(.io, "ftruncate failed") }
    }

    func unmount() {
        _ = try? ExternalTool.run("/usr/bin/umount", [path])
        folder.remove()
    }
}

/// A full disk under the jobs folder: a clear error and nothing partial left.
@Suite(.enabled(if: SmallFileSystem.canMount, "needs root and tmpfs mounts")) struct DiskFullTests {
    /// Bytes a fresh overlay and its job folder take.
    static func overlayFootprint() throws -> Int {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let base = folder.file("base.img")
        _ = FileManager.default.createFile(atPath: base, contents: nil)
        truncate(base, 16 << 20)
        try Qcow2Overlay.create(at: folder.file("o.qcow2"), backing: try DiskImage.inspect(path: base))
        var status = stat()
        stat(folder.file("o.qcow2"), &status)
        return Int(status.st_blocks) * 512
    }

    /// `leaveForSeed`: false fills the disk so the overlay cannot fit; true leaves room for the
    /// overlay but not for the seed.
    @Test(arguments: [false, true]) func aFullDiskFailsClearlyAndLeavesNothing(leaveForSeed: Bool) async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        let fs = try SmallFileSystem(size: "2m")
        defer {
            fs.unmount()
            Task { await host.cleanUp(bases: [base]) }
        }
        try FileManager.default.createDirectory(atPath: fs.path + "/jobs", withIntermediateDirectories: false)
        try fs.fill(leaving: leaveForSeed ? try Self.overlayFootprint() + 8192 : 0)
        let manager = host.manager(jobsRoot: fs.path + "/jobs")
        let before = try await HostSnapshot.take(folder: fs.path, manager: manager, names: ["sbx-full"])
        do {
            _ = try await manager.create(
                SandboxRequest(baseVM: base, name: try SandboxName("sbx-full"), autoStart: false))
            Issue.record("the create succeeded on a full disk")
        } catch {
            let expected: Set<SandboxError.Code> = leaveForSeed ? [.seedBuildFailed, .io] : [.storageFailed, .io]
            #expect(expected.contains(error.code), "\(error)")
            #expect(error.message.contains("No space left on device"), "\(error)")
            #expect(error.underlying?.code == Int(ENOSPC), "\(error)")
        }
        let after = try await HostSnapshot.take(folder: fs.path, manager: manager, names: ["sbx-full"])
        #expect(after == before, "\(after)")
        #expect(try await host.connection.domain(named: "sbx-full") == nil)
    }

    @Test func aReadOnlyJobsFolderFailsClearlyAndLeavesNothing() async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        let fs = try SmallFileSystem(size: "1m", readOnly: true)
        defer {
            fs.unmount()
            Task { await host.cleanUp(bases: [base]) }
        }
        let manager = host.manager(jobsRoot: fs.path + "/jobs")
        do {
            _ = try await manager.create(
                SandboxRequest(baseVM: base, name: try SandboxName("sbx-ro"), autoStart: false))
            Issue.record("the create succeeded on a read-only file system")
        } catch {
            #expect(error.code == .io, "\(error)")
            #expect(error.message.contains("Read-only file system"), "\(error)")
        }
        #expect(HostSnapshot.listFiles(under: fs.path).isEmpty)
        #expect(try await host.connection.domain(named: "sbx-ro") == nil)
    }
}

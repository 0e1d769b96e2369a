import Foundation
import SandboxCore

/// Seed ISO: in-process (libisofs) vs `genisoimage` and `cloud-localds`, per call.
struct SeedBenchmarks {
    let fixture: Fixture

    func run(inProcess: Int, forked: Int) throws -> [BenchRow] {
        let builder = CloudInitSeedBuilder()
        let files = try builder.files(for: fixture.seed)
        let inputs = fixture.folder + "/seed-inputs"
        try FileManager.default.createDirectory(atPath: inputs, withIntermediateDirectories: true)
        for file in files.named {
            try Data(file.contents.utf8).write(to: URL(fileURLWithPath: inputs + "/" + file.name))
        }
        let bytesOnly = try measure("seed ISO in memory (libisofs)", iterations: inProcess) {
            _ = try builder.isoImage(for: fixture.seed)
        }
        let isoPath = fixture.folder + "/seed.iso"
        let toFile = try measure("seed ISO + plain files written (libisofs)", iterations: inProcess) {
            try builder.write(fixture.seed, isoPath: isoPath, plainFilesDirectory: inputs)
        }
        var rows: [BenchRow] = []
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/genisoimage") {
            let genisoimage = try measure("genisoimage -volid cidata -joliet -rock", iterations: forked) {
                try runTool(
                    "/usr/bin/genisoimage",
                    [
                        "-quiet", "-output", fixture.folder + "/g.iso", "-volid", "cidata", "-joliet", "-rock",
                        inputs + "/meta-data", inputs + "/user-data", inputs + "/network-config",
                    ])
            }
            rows.append(BenchRow(ours: bytesOnly, baseline: genisoimage))
            rows.append(BenchRow(ours: toFile, baseline: genisoimage))
        } else {
            rows.append(BenchRow(ours: bytesOnly, baseline: nil))
        }
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/cloud-localds") {
            let localds = try measure("cloud-localds --network-config", iterations: forked) {
                try runTool(
                    "/usr/bin/cloud-localds",
                    [
                        "--network-config", inputs + "/network-config", fixture.folder + "/c.iso",
                        inputs + "/user-data", inputs + "/meta-data",
                    ])
            }
            rows.append(BenchRow(ours: toFile, baseline: localds))
        }
        return rows
    }
}

/// Domain XML rendering, per call (no fork-based equivalent: the original used text templates).
struct XMLBenchmarks {
    let fixture: Fixture

    func run(inProcess: Int) throws -> [BenchRow] {
        let renderer = DomainXMLRenderer()
        let spec = fixture.spec(name: fixture.name, disk: fixture.folder + "/d.qcow2", seed: fixture.folder + "/s.iso")
        let samples = try measure("domain XML render", iterations: inProcess) { _ = try renderer.render(spec) }
        return [BenchRow(ours: samples, baseline: nil)]
    }
}

/// qcow2 overlay: in-process vs `qemu-img create -f qcow2 -F qcow2 -b`.
struct OverlayBenchmarks {
    let fixture: Fixture

    func run(inProcess: Int, forked: Int) throws -> [BenchRow] {
        let backing = try DiskImage.inspect(path: fixture.basePath)
        let overlay = fixture.folder + "/overlay.qcow2"
        let ours = try measure("qcow2 overlay (in-process)", iterations: inProcess) {
            unlink(overlay)
            try Qcow2Overlay.create(at: overlay, backing: backing)
        }
        let theirs = try measure("qemu-img create -f qcow2 -F qcow2 -b", iterations: forked) {
            unlink(overlay)
            try runTool(
                "/usr/bin/qemu-img", ["create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", fixture.basePath, overlay])
        }
        unlink(overlay)
        return [BenchRow(ours: ours, baseline: theirs)]
    }
}

// Builds a cloud-init NoCloud seed ISO in-process and writes it next to its plain files.
//
//   swift run example-seed-iso /tmp/seed/cloud-init.iso
import Foundation
import SandboxCore

let output = CommandLine.arguments.dropFirst().first ?? FileManager.default.temporaryDirectory.path + "/cloud-init.iso"
let isoPath = URL(fileURLWithPath: output).standardizedFileURL.path
let folder = URL(fileURLWithPath: isoPath).deletingLastPathComponent().path

do {
    let name = try SandboxName("sbx-example")
    let seed = try CloudInitSeed(
        sandbox: name, mac: MACAddress.random(),
        userData: UserData(extraCloudConfig: "runcmd:\n  - [sh, -c, 'echo hello from $(hostname) > /dev/console']\n"))
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let files = try CloudInitSeedBuilder().write(seed, isoPath: isoPath, plainFilesDirectory: folder)
    print("wrote \(isoPath)")
    for file in files.named {
        print("--- \(file.name)\n\(file.contents)", terminator: "")
    }
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}

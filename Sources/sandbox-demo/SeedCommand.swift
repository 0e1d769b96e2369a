import ArgumentParser
import Foundation
import SandboxCore

struct SeedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seed",
        abstract: "Write a cloud-init seed ISO, NoCloud or ConfigDrive (and its plain files beside it).")

    @Option(help: "Sandbox name: the instance-id and default hostname.") var name: String
    @Option(help: "MAC address of the sandbox's NIC (network-config matches it).") var mac: String
    @Option(help: "Where to write the ISO.") var output: String
    @Option(help: "Hostname (default: derived from the name).") var hostname: String?
    @Option(help: "A cloud-config YAML file merged into user-data.") var userData: String?
    @Option(help: "An SSH public key for --ssh-user (repeatable).") var sshAuthorizedKey: [String] = []
    @Option(help: "The existing account the SSH keys are for.") var sshUser: String = "root"
    @Option(help: "Seconds since the epoch stamped on the ISO (for reproducible images).") var timestamp: Int64 =
        CloudInitSeedBuilder.defaultTimestamp
    @Flag(help: "Do not write meta-data, user-data and network-config next to the ISO.") var noPlainFiles = false
    @Option(help: "Seed format: nocloud or configdrive.") var format = "nocloud"

    func run() throws {
        let sandbox = try checked { () throws(SandboxError) in try SandboxName(name) }
        let macAddress = try checked { () throws(SandboxError) in try MACAddress(parsing: mac) }
        let host = try hostname.map { text in try checked { () throws(SandboxError) in try Hostname(text) } }
        var extra: String?
        if let userData {
            do {
                extra = try String(contentsOfFile: userData, encoding: .utf8)
            } catch {
                throw CLIError("cannot read --user-data \(userData): \(error.localizedDescription)")
            }
        }
        let outputPath = URL(fileURLWithPath: output).standardizedFileURL.path
        guard let seedFormat = SeedFormat(rawValue: format) else {
            throw CLIError("--format must be nocloud or configdrive, not \(format)")
        }
        var seed = try CloudInitSeed(
            sandbox: sandbox, mac: macAddress, hostname: host,
            userData: UserData(sshAuthorizedKeys: sshAuthorizedKey, sshUser: sshUser, extraCloudConfig: extra))
        seed.format = seedFormat
        let folder = noPlainFiles ? nil : URL(fileURLWithPath: outputPath).deletingLastPathComponent().path
        try CloudInitSeedBuilder(timestamp: timestamp).write(seed, isoPath: outputPath, plainFilesDirectory: folder)
        print(outputPath)
    }
}

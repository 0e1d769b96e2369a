import Foundation

/// The guest-side tools that turn a seed's network files into real configuration, run on the host.
enum NetworkRenderers {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// `netplan generate --root-dir` on a NoCloud `network-config` (v2, wrapped under `network:` as
    /// cloud-init writes it); returns systemd-networkd's file for each interface name asked for.
    static func netplanGenerate(_ networkConfig: String, interfaces: [String]) throws -> [String: String] {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let wrapped =
            "network:\n" + networkConfig.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n") + "\n"
        try FileManager.default.createDirectory(atPath: folder.file("etc/netplan"), withIntermediateDirectories: true)
        chmod(try folder.write(wrapped, to: "etc/netplan/50-cloud-init.yaml"), 0o600)
        let result = try ExternalTool.run("/usr/sbin/netplan", ["generate", "--root-dir", folder.path])
        guard result.status == 0 else { throw Failure(description: "netplan generate: \(result.stderr)") }
        var files: [String: String] = [:]
        for name in interfaces {
            files[name] = try String(
                contentsOfFile: folder.file("run/systemd/network/10-netplan-\(name).network"), encoding: .utf8)
        }
        return files
    }

    /// `cloud-init devel net-convert` from `kind` (`yaml` for network-config, `network_data.json`)
    /// to `output` (`eni` or `netplan`) for Debian; returns the rendered file.
    static func cloudInitConvert(_ text: String, kind: String, output: String) throws -> String {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = try folder.write(text, to: "input")
        let result = try ExternalTool.run(
            "/usr/bin/cloud-init",
            ["devel", "net-convert", "-p", path, "-k", kind, "-D", "debian", "-O", output, "-d", folder.file("out")])
        guard result.status == 0 else { throw Failure(description: "net-convert: \(result.stderr)") }
        let rendered =
            output == "eni" ? "out/etc/network/interfaces.d/50-cloud-init" : "out/etc/netplan/50-cloud-init.yaml"
        return try String(contentsOfFile: folder.file(rendered), encoding: .utf8)
    }
}

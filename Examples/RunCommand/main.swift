// Clones a sandbox from a base VM, waits for its address, runs `uname -a` in it through the guest
// agent, prints the output and destroys the sandbox (also when something fails).
//
//   swift run example-run-command qemu:///system my-base-vm [network] [jobs-folder]
//
// The base VM must be shut off and have cloud-init and qemu-guest-agent installed.
import Foundation
import SandboxCore

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count >= 2 else {
    FileHandle.standardError.write(Data("usage: example-run-command URI BASE-VM [NETWORK] [JOBS-FOLDER]\n".utf8))
    exit(2)
}
let (uri, base) = (arguments[0], arguments[1])
let network = arguments.count > 2 ? arguments[2] : "default"
let jobs = arguments.count > 3 ? arguments[3] : FileManager.default.temporaryDirectory.path + "/example-jobs"

var status: Int32 = 0
do {
    let connection = try await LibvirtConnection(uri: uri)
    let manager = SandboxManager(
        domains: connection, configuration: .init(jobsRoot: jobs, defaultNetwork: .network(network)))
    let sandbox = try await manager.create(SandboxRequest(baseVM: base, network: .network(network), waitForIP: true))
    print("\(sandbox.name) is up at \(sandbox.ipAddress ?? "?")")
    do {
        try await manager.waitForAgent(of: sandbox.name, timeout: .seconds(300))
        let result = try await manager.exec(
            in: sandbox.name, "uname", ["-a"], options: .init(timeout: .seconds(30)))
        print("uname -a → exit \(result.shellStatus): \(result.stdout)", terminator: "")
        if !result.stderr.isEmpty { print("stderr: \(result.stderr)") }
        status = result.succeeded ? 0 : 1
    } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        status = 1
    }
    try await manager.destroy(sandbox.name)
    print("destroyed \(sandbox.name)")
    await connection.close()
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    status = 1
}
exit(status)

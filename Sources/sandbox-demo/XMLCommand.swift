import ArgumentParser
import Foundation
import SandboxCore

extension DomainSpec.Architecture: ExpressibleByArgument {}
extension DomainSpec.VirtType: ExpressibleByArgument {}

struct XMLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "xml", abstract: "Print a sandbox's libvirt domain XML on stdout.")

    @Option(help: "Domain name.") var name: String
    @Option(help: "The sandbox's disk (qcow2 overlay).") var disk: String
    @Option(help: "The cloud-init seed ISO.") var seed: String
    @Option(help: "MAC address of the NIC.") var mac: String
    @Option(help: "libvirt network the NIC joins.") var network: String
    @Option(help: "Memory in MiB.") var memoryMib: Int = 1024
    @Option(help: "Virtual CPUs.") var vcpus: Int = 1
    @Option(help: "x86_64 or aarch64.") var arch: DomainSpec.Architecture = .x86_64
    @Option(help: "kvm or qemu (TCG).") var virtType: DomainSpec.VirtType = .kvm
    @Option(help: "Kernel for direct kernel boot.") var kernel: String?
    @Option(help: "Initrd for direct kernel boot.") var initrd: String?
    @Option(help: "Kernel command line for direct kernel boot.") var cmdline: String?
    @Option(help: "File the serial console is logged to.") var serialLog: String?
    @Option(
        help:
            "host-passthrough, maximum, max-pauth-impdef (emulated aarch64; taints the domain) or a CPU model; default: host-passthrough under kvm, cortex-a57 for emulated aarch64."
    )
    var cpu: String?

    func validate() throws {
        if kernel == nil, initrd != nil || cmdline != nil {
            throw CLIError("--initrd and --cmdline need --kernel")
        }
    }

    func run() throws {
        let boot: DomainSpec.Boot
        if let kernel {
            boot = .kernel(
                path: absolute(kernel), initrd: initrd.map(absolute),
                cmdline: cmdline ?? "root=/dev/vda console=\(arch.serialConsole)")
        } else {
            boot = .firmware()
        }
        var spec = DomainSpec(
            name: try checked { () throws(SandboxError) in try SandboxName(name) }, memoryMiB: memoryMib, vcpus: vcpus,
            virtType: virtType, arch: arch, boot: boot, disk: .init(path: absolute(disk)), seedISOPath: absolute(seed),
            nic: .init(
                source: .network(network), mac: try checked { () throws(SandboxError) in try MACAddress(parsing: mac) }),
            serialLogPath: serialLog.map(absolute))
        switch cpu {
        case nil: break
        case "host-passthrough": spec.cpu = .hostPassthrough
        case "maximum": spec.cpu = .maximum
        case "max-pauth-impdef": spec.cpu = .maximumImpdefPointerAuth
        case let model?: spec.cpu = .named(model)
        }
        let xml = try checked { () throws(SandboxError) in try DomainXMLRenderer().render(spec) }
        print(xml, terminator: "")
    }

    private func absolute(_ path: String) -> String {
        path.contains("\0") ? path : URL(fileURLWithPath: path).standardizedFileURL.path
    }
}

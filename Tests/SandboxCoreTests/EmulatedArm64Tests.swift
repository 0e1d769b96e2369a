import Foundation
import FoundationXML
import Testing

@testable import SandboxCore

/// Emulated aarch64 guests on an x86_64 host: CPU model, the opt-in `max,pauth-impdef=on`,
/// UEFI with a per-sandbox NVRAM file, and what a clone inherits from an aarch64 base.
@Suite struct EmulatedArm64Tests {
    static let firmwareCode = "/usr/share/AAVMF/AAVMF_CODE.fd"
    static let firmwareVars = "/usr/share/AAVMF/AAVMF_VARS.fd"

    static func spec(
        cpu: DomainSpec.CPUModel? = nil, virtType: DomainSpec.VirtType = .qemu,
        arch: DomainSpec.Architecture = .aarch64,
        boot: DomainSpec.Boot = .kernel(path: "/i/vmlinuz", initrd: "/i/initrd.img", cmdline: "console=ttyAMA0"),
        nvramPath: String? = nil
    ) throws -> DomainSpec {
        var spec = try DomainXMLRendererTests.spec(virtType: virtType, arch: arch, boot: boot)
        spec.cpu = cpu
        spec.nvramPath = nvramPath
        return spec
    }

    func root(_ spec: DomainSpec) throws -> XMLElement {
        let xml = try DomainXMLRenderer().render(spec)
        return try #require(try XMLDocument(xmlString: xml, options: []).rootElement())
    }

    func value(_ root: XMLElement, _ xpath: String) throws -> String? {
        try root.nodes(forXPath: xpath).first?.stringValue
    }

    @Test func defaultsToVirtAndCortexA57WithoutTaint() throws {
        let root = try root(try Self.spec())
        #expect(root.attribute(forName: "type")?.stringValue == "qemu")
        #expect(try value(root, "/domain/os/type/@arch") == "aarch64")
        #expect(try value(root, "/domain/os/type/@machine") == "virt")
        #expect(try value(root, "/domain/cpu/@mode") == "custom")
        #expect(try value(root, "/domain/cpu/model") == "cortex-a57")
        #expect(try value(root, "/domain/features/gic/@version") == "3")
        #expect(try value(root, "/domain/devices/disk[@device='cdrom']/target/@bus") == "scsi")
        #expect(try value(root, "/domain/devices/controller[@type='scsi']/@model") == "virtio-scsi")
        #expect(try root.nodes(forXPath: "/domain/*[local-name()='commandline']").isEmpty)
        #expect(DomainSpec.Architecture.aarch64.serialConsole == "ttyAMA0")
    }

    @Test func impdefPointerAuthGoesThroughTheQEMUCommandLine() throws {
        let xml = try DomainXMLRenderer().render(try Self.spec(cpu: .maximumImpdefPointerAuth))
        #expect(xml.contains("xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'"))
        let root = try root(try Self.spec(cpu: .maximumImpdefPointerAuth))
        #expect(try value(root, "/domain/cpu/@mode") == "maximum")
        let commandLine = try #require(try root.nodes(forXPath: "/domain/*[local-name()='commandline']").first)
        #expect((commandLine as? XMLElement)?.uri == DomainXMLRenderer.qemuNamespaceURI)
        let arguments = try commandLine.nodes(forXPath: "*[local-name()='arg']/@value").compactMap(\.stringValue)
        #expect(arguments == ["-cpu", "max,pauth-impdef=on"])
    }

    @Test(arguments: [(DomainSpec.VirtType.qemu, DomainSpec.Architecture.x86_64), (.kvm, .aarch64)])
    func impdefPointerAuthIsForEmulatedAarch64Only(virtType: DomainSpec.VirtType, arch: DomainSpec.Architecture)
        throws
    {
        let spec = try Self.spec(cpu: .maximumImpdefPointerAuth, virtType: virtType, arch: arch)
        #expect(throws: SandboxError.self) { try DomainXMLRenderer().render(spec) }
    }

    @Test func uefiWithAutoSelectedFirmwareKeepsTheNVRAMInTheJobFolder() throws {
        let root = try root(try Self.spec(boot: .firmware(), nvramPath: "/jobs/sbx-1/nvram.fd"))
        #expect(try value(root, "/domain/os/@firmware") == "efi")
        #expect(try value(root, "/domain/os/nvram") == "/jobs/sbx-1/nvram.fd")
        #expect(try value(root, "/domain/os/nvram/@template") == nil)
        #expect(try value(root, "/domain/features/acpi") != nil)
    }

    @Test func uefiWithAnExplicitLoaderNamesTheTemplate() throws {
        let boot = DomainSpec.Boot.firmware(loader: Self.firmwareCode, nvramTemplate: Self.firmwareVars)
        let root = try root(try Self.spec(boot: boot, nvramPath: "/jobs/sbx-1/nvram.fd"))
        #expect(try value(root, "/domain/os/loader") == Self.firmwareCode)
        #expect(try value(root, "/domain/os/loader/@type") == "pflash")
        #expect(try value(root, "/domain/os/nvram") == "/jobs/sbx-1/nvram.fd")
        #expect(try value(root, "/domain/os/nvram/@template") == Self.firmwareVars)
    }

    @Test func anNVRAMFileNeedsUEFI() throws {
        for spec in [
            try Self.spec(nvramPath: "/jobs/sbx-1/nvram.fd"),
            try Self.spec(arch: .x86_64, boot: .firmware(), nvramPath: "/jobs/sbx-1/nvram.fd"),
            try Self.spec(boot: .firmware(), nvramPath: "nvram.fd"),
        ] {
            #expect(throws: SandboxError.self) { try DomainXMLRenderer().render(spec) }
        }
    }

    @Test(.enabled(if: ExternalTool.exists("/usr/bin/virt-xml-validate")))
    func libvirtSchemaAcceptsTheArm64Variants() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let specs = [
            try Self.spec(cpu: .maximumImpdefPointerAuth),
            try Self.spec(cpu: .maximum, boot: .firmware(), nvramPath: "/jobs/sbx-1/nvram.fd"),
            try Self.spec(
                boot: .firmware(loader: Self.firmwareCode, nvramTemplate: Self.firmwareVars),
                nvramPath: "/jobs/sbx-1/nvram.fd"),
        ]
        for spec in specs {
            let path = try folder.write(try DomainXMLRenderer().render(spec), to: "domain.xml")
            let result = try ExternalTool.run("/usr/bin/virt-xml-validate", [path, "domain"])
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        }
    }

    // MARK: What a clone inherits

    @Test func baseVMReadsTheCPUModelAndNVRAM() throws {
        let impdef = try BaseVM(xml: try DomainXMLRenderer().render(try Self.spec(cpu: .maximumImpdefPointerAuth)))
        #expect(impdef.cpu == .maximumImpdefPointerAuth)
        #expect(impdef.arch == .aarch64)
        #expect(try BaseVM(xml: try DomainXMLRenderer().render(try Self.spec())).cpu == .named("cortex-a57"))
        #expect(try BaseVM(xml: try DomainXMLRenderer().render(try Self.spec(cpu: .maximum))).cpu == .maximum)
        let kvm = try BaseVM(xml: try DomainXMLRenderer().render(try Self.spec(virtType: .kvm, arch: .x86_64)))
        #expect(kvm.cpu == .hostPassthrough)
        let uefi = try BaseVM(
            xml: try DomainXMLRenderer().render(
                try Self.spec(
                    boot: .firmware(loader: Self.firmwareCode, nvramTemplate: Self.firmwareVars),
                    nvramPath: "/var/lib/libvirt/qemu/nvram/base_VARS.fd")))
        #expect(uefi.nvramPath == "/var/lib/libvirt/qemu/nvram/base_VARS.fd")
        #expect(uefi.boot == .firmware(loader: Self.firmwareCode, nvramTemplate: Self.firmwareVars))
    }

    @Test func aCloneOfAUEFIBaseGetsItsOwnNVRAMCopy() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let template = try folder.write("template-vars", to: "VARS.fd")
        let job = folder.file("job")
        try FileManager.default.createDirectory(atPath: job, withIntermediateDirectories: false)
        var base = try BaseVM(
            xml: try DomainXMLRenderer().render(
                try Self.spec(boot: .firmware(loader: Self.firmwareCode, nvramTemplate: template))))
        let path = try #require(try SandboxManager.prepareNVRAM(base: base, jobDirectory: job))
        #expect(path == job + "/" + SandboxManager.JobFile.nvram)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "template-vars")

        // Without a readable template: the path only; libvirt creates the file at start.
        base.boot = .firmware(loader: nil, nvramTemplate: folder.file("missing.fd"))
        try FileManager.default.removeItem(atPath: path)
        #expect(try SandboxManager.prepareNVRAM(base: base, jobDirectory: job) == path)
        #expect(!FileManager.default.fileExists(atPath: path))

        // Direct kernel boot has no NVRAM.
        base.boot = .kernel(path: "/k", initrd: nil, cmdline: "console=ttyAMA0")
        #expect(try SandboxManager.prepareNVRAM(base: base, jobDirectory: job) == nil)
    }

    // MARK: Timeouts

    @Test func emulatedArm64TimeoutCoversTheSlowestMeasuredBoot() {
        let timeout = DiscoveryTimeout().effective(virtType: "qemu", guestArch: "aarch64", hostArch: "x86_64")
        #expect(timeout.duration == .seconds(720))
        #expect(timeout.reasons.contains { $0.contains("emulating aarch64 on x86_64") })
        // 1 vCPU with QEMU's max CPU took 98 s idle; ×6 for a loaded 2-core host still fits.
        #expect(timeout.duration > .seconds(98 * 6))
    }
}

/// The create path on `test:///default`: a request's CPU model reaches the sandbox's domain.
@Suite struct SandboxCPUModelTests {
    @Test func aRequestedCPUModelReachesTheDomain() async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        defer { Task { await host.cleanUp(bases: [base]) } }
        let manager = host.manager()
        let sandbox = try await manager.create(
            SandboxRequest(baseVM: base, autoStart: false, cpu: .named("qemu64")))
        let xml = try await host.connection.domainXML(named: sandbox.name.value, inactive: true)
        let root = try #require(try XMLDocument(xmlString: xml, options: []).rootElement())
        #expect(try root.nodes(forXPath: "/domain/cpu/model").first?.stringValue == "qemu64", "\(xml)")
        #expect(!FileManager.default.fileExists(atPath: sandbox.jobDirectory + "/" + SandboxManager.JobFile.nvram))
        try await manager.destroy(sandbox.name)
        #expect(!FileManager.default.fileExists(atPath: sandbox.jobDirectory))
    }
}

import Foundation
import FoundationXML
import SandboxCoreTesting
import Synchronization
import Testing

@testable import SandboxCore

/// `kpti=0` for emulated aarch64 guests: when it is added, when it is not, and that the create path
/// hands the tuned command line to libvirt.
@Suite struct EmulatedKernelTuningTests {
    @Test func emulatedAarch64GetsKPTIOff() {
        let tuned = EmulatedKernelTuning.tuned("root=/dev/vda rw console=ttyAMA0", arch: .aarch64, virtType: .qemu)
        #expect(tuned == "root=/dev/vda rw console=ttyAMA0 kpti=0")
        #expect(EmulatedKernelTuning.tuned("", arch: .aarch64, virtType: .qemu) == "kpti=0")
        #expect(EmulatedKernelTuning.tuned("  quiet  ", arch: .aarch64, virtType: .qemu) == "quiet kpti=0")
    }

    @Test(arguments: [(DomainSpec.Architecture.aarch64, DomainSpec.VirtType.kvm), (.x86_64, .qemu), (.x86_64, .kvm)])
    func otherGuestsAreLeftAlone(arch: DomainSpec.Architecture, virtType: DomainSpec.VirtType) {
        #expect(EmulatedKernelTuning.arguments(arch: arch, virtType: virtType).isEmpty)
        #expect(EmulatedKernelTuning.tuned("root=/dev/vda", arch: arch, virtType: virtType) == "root=/dev/vda")
    }

    @Test(arguments: ["root=/dev/vda kpti=1", "kpti=0 root=/dev/vda", "root=/dev/vda\tnokaslr", "kpti"])
    func aCommandLineThatDecidesItselfIsKept(cmdline: String) {
        #expect(EmulatedKernelTuning.tuned(cmdline, arch: .aarch64, virtType: .qemu) == cmdline)
    }

    @Test func tuningTwiceAddsNothingMore() {
        let once = EmulatedKernelTuning.tuned("console=ttyAMA0", arch: .aarch64, virtType: .qemu)
        #expect(EmulatedKernelTuning.tuned(once, arch: .aarch64, virtType: .qemu) == once)
    }

    @Test func firmwareBootsAreUnchanged() {
        let boot = DomainSpec.Boot.firmware(loader: "/usr/share/AAVMF/AAVMF_CODE.fd", nvramTemplate: nil)
        #expect(EmulatedKernelTuning.tuned(boot, arch: .aarch64, virtType: .qemu) == boot)
        let kernel = DomainSpec.Boot.kernel(path: "/k", initrd: "/i", cmdline: "console=ttyAMA0")
        #expect(
            EmulatedKernelTuning.tuned(kernel, arch: .aarch64, virtType: .qemu)
                == .kernel(path: "/k", initrd: "/i", cmdline: "console=ttyAMA0 kpti=0"))
    }

    // MARK: The create path (test:///default, with the base shown as an emulated aarch64 one)

    /// The base's XML as an emulated aarch64 guest would have it; the test driver defines x86 only,
    /// so the define is recorded and then refused, and the create rolls back.
    static func arm64View(of xml: String) -> String {
        xml.replacingOccurrences(of: "arch='x86_64'", with: "arch='aarch64'")
            .replacingOccurrences(of: "<domain type='test'", with: "<domain type='qemu'")
            .replacingOccurrences(of: "console=ttyS0", with: "console=ttyAMA0")
    }

    func definedCommandLine(tune: Bool?) async throws -> String? {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        defer { Task { await host.cleanUp(bases: [base]) } }
        let defined = Mutex<[String]>([])
        let domains = FaultyDomainManager(
            host.connection, failDefine: true, rewriteXML: Self.arm64View,
            defineObserver: { xml in defined.withLock { $0.append(xml) } })
        var request = SandboxRequest(baseVM: base, autoStart: false)
        if let tune { request.tuneEmulatedKernel = tune }
        await #expect(throws: SandboxError.self) { try await host.manager(domains: domains).create(request) }
        #expect(host.jobsLeft().isEmpty, "the failed create left \(host.jobsLeft())")
        let xml = try #require(defined.withLock { $0.first })
        let root = try #require(try XMLDocument(xmlString: xml, options: []).rootElement())
        #expect(try root.nodes(forXPath: "/domain/os/type/@arch").first?.stringValue == "aarch64")
        return try root.nodes(forXPath: "/domain/os/cmdline").first?.stringValue
    }

    @Test func aSandboxOfAnEmulatedAarch64BaseBootsWithKPTIOff() async throws {
        #expect(try await definedCommandLine(tune: nil) == "root=/dev/vda console=ttyAMA0 kpti=0")
    }

    @Test func theRequestCanKeepTheBasesCommandLine() async throws {
        #expect(try await definedCommandLine(tune: false) == "root=/dev/vda console=ttyAMA0")
    }

    // MARK: Preflight

    func findings(_ spec: DomainSpec) throws -> [PreflightReport.Finding] {
        let base = try BaseVM(xml: try DomainXMLRenderer().render(spec))
        return SandboxManager.emulatedKernelFindings(base)
    }

    @Test func preflightSaysWhatClonesGet() throws {
        let tuned = try findings(try EmulatedArm64Tests.spec())
        #expect(tuned.map(\.check) == ["emulated-kernel"])
        #expect(tuned.first?.severity == .info)
        #expect(tuned.first?.message.contains("'kpti=0' appended") == true, "\(tuned)")

        let decided = try findings(
            try EmulatedArm64Tests.spec(boot: .kernel(path: "/k", initrd: nil, cmdline: "console=ttyAMA0 nokaslr")))
        #expect(decided.first?.message.contains("already decides") == true, "\(decided)")
    }

    @Test func preflightWarnsAboutAUEFIBaseItCannotTune() throws {
        let uefi = try findings(try EmulatedArm64Tests.spec(boot: .firmware(), nvramPath: "/jobs/base/nvram.fd"))
        #expect(uefi.first?.severity == .warning)
        #expect(uefi.first?.fix?.contains("GRUB_CMDLINE_LINUX") == true, "\(uefi)")
    }

    @Test func preflightHasNothingToSayAboutOtherGuests() throws {
        #expect(try findings(try EmulatedArm64Tests.spec(virtType: .kvm)).isEmpty)
        #expect(try findings(try EmulatedArm64Tests.spec(arch: .x86_64)).isEmpty)
    }
}

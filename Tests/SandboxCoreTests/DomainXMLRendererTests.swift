import Foundation
import FoundationXML
import Testing

@testable import SandboxCore

@Suite struct DomainXMLRendererTests {
    static let mac = try! MACAddress(parsing: "52:54:00:aa:bb:cc")

    static func spec(
        name: String = "sbx-0123abcd", virtType: DomainSpec.VirtType = .qemu, arch: DomainSpec.Architecture = .x86_64,
        boot: DomainSpec.Boot = .kernel(
            path: "/images/vmlinuz", initrd: "/images/initrd.img", cmdline: "root=/dev/vda console=ttyS0")
    ) throws -> DomainSpec {
        DomainSpec(
            name: try SandboxName(name), uuid: UUID(uuidString: "0b6c1d34-7c9e-4a0e-9d1c-2b0f6a1e5c11"), memoryMiB: 512,
            vcpus: 2, virtType: virtType, arch: arch, boot: boot,
            disk: .init(path: "/var/lib/sandboxes/\(name)/disk.qcow2"),
            seedISOPath: "/var/lib/sandboxes/\(name)/cloud-init.iso",
            nic: .init(source: .network("sandbox-net"), mac: mac),
            serialLogPath: "/var/lib/sandboxes/\(name)/console.log",
            metadata: SandboxMetadata(
                baseVM: "debian-base", createdAt: 1_700_000_000, agentID: "agent-7", ttlSeconds: 3600))
    }

    func parse(_ xml: String) throws -> XMLElement {
        let document = try XMLDocument(xmlString: xml, options: [])
        return try #require(document.rootElement())
    }

    func value(_ root: XMLElement, _ xpath: String) throws -> String? {
        try root.nodes(forXPath: xpath).first?.stringValue
    }

    @Test func rendersTheEssentials() throws {
        let xml = try DomainXMLRenderer().render(Self.spec())
        let root = try parse(xml)
        #expect(root.attribute(forName: "type")?.stringValue == "qemu")
        #expect(try value(root, "/domain/name") == "sbx-0123abcd")
        #expect(try value(root, "/domain/uuid") == "0b6c1d34-7c9e-4a0e-9d1c-2b0f6a1e5c11")
        #expect(try value(root, "/domain/memory") == "512")
        #expect(try value(root, "/domain/vcpu") == "2")
        #expect(try value(root, "/domain/os/type/@arch") == "x86_64")
        #expect(try value(root, "/domain/os/type/@machine") == "q35")
        #expect(try value(root, "/domain/os/kernel") == "/images/vmlinuz")
        #expect(try value(root, "/domain/os/initrd") == "/images/initrd.img")
        #expect(try value(root, "/domain/os/cmdline") == "root=/dev/vda console=ttyS0")
        #expect(try value(root, "/domain/devices/disk[@device='disk']/@type") == "file")
        #expect(
            try value(root, "/domain/devices/disk[@device='disk']/source/@file")
                == "/var/lib/sandboxes/sbx-0123abcd/disk.qcow2")
        #expect(try value(root, "/domain/devices/disk[@device='disk']/driver/@type") == "qcow2")
        #expect(try value(root, "/domain/devices/disk[@device='cdrom']/target/@bus") == "scsi")
        #expect(try root.nodes(forXPath: "/domain/devices/disk[@device='cdrom']/readonly").count == 1)
        #expect(try value(root, "/domain/devices/controller[@type='scsi']/@model") == "virtio-scsi")
        #expect(try value(root, "/domain/devices/interface/@type") == "network")
        #expect(try value(root, "/domain/devices/interface/source/@network") == "sandbox-net")
        #expect(try value(root, "/domain/devices/interface/mac/@address") == "52:54:00:aa:bb:cc")
        #expect(try value(root, "/domain/devices/interface/model/@type") == "virtio")
        #expect(try value(root, "/domain/devices/serial/log/@file") == "/var/lib/sandboxes/sbx-0123abcd/console.log")
        #expect(try value(root, "/domain/devices/channel/target/@name") == "org.qemu.guest_agent.0")
        #expect(try root.nodes(forXPath: "/domain/cpu").isEmpty)
    }

    @Test func metadataLivesInOurNamespace() throws {
        let root = try parse(try DomainXMLRenderer().render(Self.spec()))
        let metadata = try #require(try root.nodes(forXPath: "/domain/metadata/*").first as? XMLElement)
        #expect(metadata.uri == SandboxMetadata.namespaceURI)
        #expect(metadata.localName == "sandbox")
        let fields = Dictionary(
            uniqueKeysWithValues: (metadata.children ?? []).compactMap { $0 as? XMLElement }.map {
                ($0.localName ?? "", $0.stringValue ?? "")
            })
        #expect(
            fields == [
                "owner": "sandboxcore", "base": "debian-base", "created": "1700000000", "agent": "agent-7",
                "ttl": "3600",
            ])
    }

    @Test func kvmUsesHostPassthroughAndFirmwareBootsFromDisk() throws {
        let root = try parse(try DomainXMLRenderer().render(Self.spec(virtType: .kvm, boot: .firmware())))
        #expect(root.attribute(forName: "type")?.stringValue == "kvm")
        #expect(try value(root, "/domain/cpu/@mode") == "host-passthrough")
        #expect(try root.nodes(forXPath: "/domain/os/kernel").isEmpty)
        #expect(try value(root, "/domain/devices/disk[@device='disk']/boot/@order") == "1")
    }

    @Test func emulatedAarch64GetsVirtUEFIAndAFastCPU() throws {
        let root = try parse(try DomainXMLRenderer().render(Self.spec(arch: .aarch64, boot: .firmware())))
        #expect(try value(root, "/domain/os/type/@machine") == "virt")
        #expect(try value(root, "/domain/os/@firmware") == "efi")
        #expect(try value(root, "/domain/cpu/model") == "cortex-a57")
        #expect(try value(root, "/domain/devices/disk[@device='cdrom']/target/@bus") == "scsi")
    }

    @Test func isDeterministic() throws {
        let renderer = DomainXMLRenderer()
        #expect(try renderer.render(Self.spec()) == renderer.render(Self.spec()))
    }

    /// Values that validation allows but XML treats specially are escaped, never injected.
    @Test(arguments: ["</cmdline><devices>", "a'b\"c", "x & y", "quiet ]]> <!-- -->"])
    func escapesEveryValue(text: String) throws {
        var spec = try Self.spec()
        spec.boot = .kernel(path: "/k", initrd: nil, cmdline: text)
        spec.metadata?.agentID = text
        let root = try parse(try DomainXMLRenderer().render(spec))
        #expect(try value(root, "/domain/os/cmdline") == text)
        #expect(try root.nodes(forXPath: "/domain/devices").count == 1)
        #expect(try root.nodes(forXPath: "/domain/metadata/*/*[local-name()='agent']").first?.stringValue == text)
    }

    @Test(
        arguments: [
            { (s: inout DomainSpec) in s.memoryMiB = 0 }, { s in s.memoryMiB = -1 }, { s in s.memoryMiB = Int.max },
            { s in s.vcpus = 0 }, { s in s.vcpus = 100_000 }, { s in s.disk.path = "relative.qcow2" },
            { s in s.disk.path = "/a/../etc/shadow" }, { s in s.disk.path = "/a\nb" },
            { s in s.seedISOPath = "/x\u{0}y" },
            { s in s.nic.source = .network("net'><x") }, { s in s.nic.source = .bridge("") },
            { s in s.machine = "q35 evil" },
            { s in s.boot = .kernel(path: "/k", initrd: nil, cmdline: "a\nb") }, { s in s.cpu = .named("<model>") },
            { s in s.metadata?.ttlSeconds = 0 }, { s in s.serialLogPath = "log" },
        ] as [@Sendable (inout DomainSpec) -> Void])
    func rejectsBadValues(change: @Sendable (inout DomainSpec) -> Void) throws {
        var spec = try Self.spec()
        change(&spec)
        #expect(throws: SandboxError.self) { try DomainXMLRenderer().render(spec) }
    }

    @Test(
        .enabled(if: ExternalTool.exists("/usr/bin/virt-xml-validate")),
        arguments: [
            (DomainSpec.VirtType.qemu, DomainSpec.Architecture.x86_64), (.kvm, .x86_64), (.qemu, .aarch64),
        ])
    func libvirtSchemaAcceptsTheXML(virtType: DomainSpec.VirtType, arch: DomainSpec.Architecture) throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        for boot in [DomainSpec.Boot.firmware(), .kernel(path: "/k", initrd: "/i", cmdline: "console=ttyS0")] {
            let path = try folder.write(
                try DomainXMLRenderer().render(Self.spec(virtType: virtType, arch: arch, boot: boot)), to: "domain.xml")
            let result = try ExternalTool.run("/usr/bin/virt-xml-validate", [path, "domain"])
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        }
    }

    /// libvirt's own parser (test driver, in the virsh process) accepts the XML and keeps our values.
    @Test(.enabled(if: ExternalTool.exists("/usr/bin/virsh")))
    func libvirtDefinesAndDumpsIt() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        var spec = try Self.spec()
        // The test driver only knows domain type 'test'; swap it in the rendered text.
        let xml = try DomainXMLRenderer().render(spec).replacingOccurrences(
            of: "<domain type='qemu'>", with: "<domain type='test'>")
        spec.virtType = .qemu
        let path = try folder.write(xml, to: "domain.xml")
        let result = try ExternalTool.run(
            "/usr/bin/virsh", ["-c", "test:///default", "define \(path) ; dumpxml sbx-0123abcd"])
        try #require(result.status == 0, "\(result.stderr)")
        let root = try parse(String(result.stdout[result.stdout.range(of: "<domain")!.lowerBound...]))
        #expect(try value(root, "/domain/name") == "sbx-0123abcd")
        #expect(try value(root, "/domain/devices/interface/mac/@address") == "52:54:00:aa:bb:cc")
        #expect(try value(root, "/domain/devices/disk[@device='cdrom']/target/@bus") == "scsi")
        #expect(try value(root, "/domain/metadata/*/*[local-name()='base']") == "debian-base")
    }
}

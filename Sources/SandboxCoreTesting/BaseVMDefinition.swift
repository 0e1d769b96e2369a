import SandboxCore

/// A base VM to define for tests, demos and benchmarks: a shut-off domain with one disk and one
/// network interface that ``SandboxManager`` can clone, rendered to libvirt domain XML with every
/// value escaped.
///
/// A value: rendering is pure and deterministic (same definition, same bytes), so it is safe from
/// any thread. Memory is rendered in MiB; libvirt reports it back in KiB.
public struct BaseVMDefinition: Sendable, Hashable {
    /// The `<domain type=…>`: the driver that runs it.
    public enum DomainType: String, Sendable, Hashable, CaseIterable {
        /// libvirt's in-process test driver (`test:///default`, node files).
        case test
        /// QEMU with emulation (TCG).
        case qemu
        /// QEMU with KVM.
        case kvm
    }

    /// Direct kernel boot: the host-side kernel, initrd and command line.
    public struct KernelBoot: Sendable, Hashable {
        public var kernel: String
        public var initrd: String?
        public var commandLine: String?

        public init(kernel: String, initrd: String? = nil, commandLine: String? = nil) {
            self.kernel = kernel
            self.initrd = initrd
            self.commandLine = commandLine
        }

        /// `/boot/vmlinuz`, `/boot/initrd.img` and `root=/dev/vda console=ttyS0`: a direct boot at
        /// the usual paths for the test driver, which reads none of them.
        public static let placeholder = KernelBoot(
            kernel: "/boot/vmlinuz", initrd: "/boot/initrd.img", commandLine: "root=/dev/vda console=ttyS0")
    }

    /// The base's disk, on `vda` (virtio).
    public struct Disk: Sendable, Hashable {
        public enum Source: Sendable, Hashable {
            /// An image file in `format` (`raw`, `qcow2` …).
            case file(path: String, format: String)
            /// A block device, such as `/dev/null` for a base SandboxManager must refuse.
            case block(device: String)
        }

        public var source: Source

        public init(_ source: Source) { self.source = source }

        /// An image file, raw unless said otherwise.
        public static func file(_ path: String, format: String = "raw") -> Disk {
            Disk(.file(path: path, format: format))
        }

        /// A block device.
        public static func block(_ device: String) -> Disk { Disk(.block(device: device)) }
    }

    /// The network interface: a libvirt network, with a fixed MAC and a device model when given.
    public struct NIC: Sendable, Hashable {
        public var network: String
        public var mac: String?
        public var model: String?

        public init(network: String = "default", mac: String? = nil, model: String? = nil) {
            self.network = network
            self.mac = mac
            self.model = model
        }
    }

    /// The state a test-driver node file starts a domain in (`<test:runstate>`, libvirt's
    /// `virDomainState` numbers).
    public enum RunState: Int, Sendable, Hashable, CaseIterable {
        case running = 1
        case blocked = 2
        case paused = 3
        case shuttingDown = 4
        case shutOff = 5
        case crashed = 6
        case suspended = 7
    }

    /// The test driver's namespace for `<test:runstate>`.
    public static let testDriverNamespace = "http://libvirt.org/schemas/domain/test/1.0"

    public var name: String
    public var type: DomainType
    public var memoryMiB: Int
    public var vcpus: Int
    public var arch: String
    /// The machine type (`q35`, `virt`); libvirt's default when nil.
    public var machine: String?
    public var kernelBoot: KernelBoot?
    public var disk: Disk?
    /// A raw ISO attached read-only as a CD-ROM on `sda` (SCSI).
    public var cdrom: String?
    public var nic: NIC?
    /// A file the first serial port writes to (the console log).
    public var serialLog: String?
    /// The state the domain starts in when it is part of a ``TestDriverNode`` (test driver only;
    /// `nil`: the driver's default, running).
    public var runState: RunState?

    public init(
        name: String, type: DomainType = .test, memoryMiB: Int = 512, vcpus: Int = 1, arch: String = "x86_64",
        machine: String? = nil, kernelBoot: KernelBoot? = nil, disk: Disk? = nil, cdrom: String? = nil,
        nic: NIC? = NIC(), serialLog: String? = nil, runState: RunState? = nil
    ) {
        self.name = name
        self.type = type
        self.memoryMiB = memoryMiB
        self.vcpus = vcpus
        self.arch = arch
        self.machine = machine
        self.kernelBoot = kernelBoot
        self.disk = disk
        self.cdrom = cdrom
        self.nic = nic
        self.serialLog = serialLog
        self.runState = runState
    }

    /// The domain XML, ready for ``DomainManager/define(xml:)`` or a ``TestDriverNode``.
    public func xml() -> String { element.render() }

    /// The `<domain>` element.
    package var element: XMLTree {
        var attributes = [("type", type.rawValue)]
        if runState != nil { attributes.append(("xmlns:test", Self.testDriverNamespace)) }
        var osType = [("arch", arch)]
        if let machine { osType.append(("machine", machine)) }
        var os = [XMLTree("type", osType, text: "hvm")]
        if let kernelBoot {
            os.append(XMLTree("kernel", text: kernelBoot.kernel))
            if let initrd = kernelBoot.initrd { os.append(XMLTree("initrd", text: initrd)) }
            if let commandLine = kernelBoot.commandLine { os.append(XMLTree("cmdline", text: commandLine)) }
        }
        var devices: [XMLTree] = []
        if let disk { devices.append(Self.element(disk)) }
        if let cdrom {
            devices.append(
                XMLTree(
                    "disk", [("type", "file"), ("device", "cdrom")],
                    children: [
                        XMLTree("driver", [("name", "qemu"), ("type", "raw")]), XMLTree("source", [("file", cdrom)]),
                        XMLTree("target", [("dev", "sda"), ("bus", "scsi")]), XMLTree("readonly"),
                    ]))
        }
        if let nic {
            var children: [XMLTree] = []
            if let mac = nic.mac { children.append(XMLTree("mac", [("address", mac)])) }
            children.append(XMLTree("source", [("network", nic.network)]))
            if let model = nic.model { children.append(XMLTree("model", [("type", model)])) }
            devices.append(XMLTree("interface", [("type", "network")], children: children))
        }
        if let serialLog {
            devices.append(
                XMLTree(
                    "serial", [("type", "file")],
                    children: [XMLTree("source", [("path", serialLog)]), XMLTree("target", [("port", "0")])]))
        }
        var children = [
            XMLTree("name", text: name), XMLTree("memory", [("unit", "MiB")], text: String(memoryMiB)),
            XMLTree("vcpu", text: String(vcpus)), XMLTree("os", children: os), XMLTree("devices", children: devices),
        ]
        if let runState { children.append(XMLTree("test:runstate", text: String(runState.rawValue))) }
        return XMLTree("domain", attributes, children: children)
    }

    private static func element(_ disk: Disk) -> XMLTree {
        let target = XMLTree("target", [("dev", "vda"), ("bus", "virtio")])
        switch disk.source {
        case .file(let path, let format):
            return XMLTree(
                "disk", [("type", "file"), ("device", "disk")],
                children: [
                    XMLTree("driver", [("name", "qemu"), ("type", format)]), XMLTree("source", [("file", path)]),
                    target,
                ])
        case .block(let device):
            return XMLTree(
                "disk", [("type", "block"), ("device", "disk")],
                children: [XMLTree("source", [("dev", device)]), target])
        }
    }
}

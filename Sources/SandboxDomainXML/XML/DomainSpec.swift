import Foundation
import SandboxValues

/// Everything needed to render one sandbox's libvirt domain XML. A plain value: build it, validate
/// it, hand it to ``DomainXMLRenderer``.
public struct DomainSpec: Sendable, Hashable, Codable {
    /// The domain name (also the sandbox name).
    public var name: SandboxName
    /// The domain UUID; libvirt generates one when nil.
    public var uuid: UUID?
    /// Guest memory in MiB (1 … 4 194 304).
    public var memoryMiB: Int
    /// Virtual CPUs (1 … 1024).
    public var vcpus: Int
    /// CPU weight and quota (`<cputune>`); nil or empty renders none.
    public var cpuTune: CPUTune? = nil
    /// `kvm` (hardware acceleration) or `qemu` (TCG emulation).
    public var virtType: VirtType
    /// Guest architecture.
    public var arch: Architecture
    /// Machine type; nil selects `q35` on x86_64 and `virt` on aarch64.
    public var machine: String?
    /// CPU model; nil selects a sensible default for the arch and virt type (see ``CPUModel``).
    public var cpu: CPUModel?
    /// How the guest boots.
    public var boot: Boot
    /// The domain's own UEFI variable store (`<nvram>`), e.g. a file in the sandbox's job folder;
    /// libvirt creates it from the template when it does not exist. UEFI firmware boot only (a
    /// `loader`, or aarch64's firmware auto-selection). nil leaves the file's place to libvirt.
    public var nvramPath: String?
    /// The sandbox's own disk (the qcow2 overlay).
    public var disk: Disk
    /// The cloud-init seed ISO, attached as a read-only CD-ROM on a virtio-scsi controller.
    public var seedISOPath: String?
    /// The NIC.
    public var nic: NIC
    /// More NICs after ``nic``, in order (the guest sees them as its second, third … NIC).
    public var extraNICs: [NIC] = []

    /// ``nic`` followed by ``extraNICs``.
    public var allNICs: [NIC] { [nic] + extraNICs }
    /// A file the serial console is logged to.
    public var serialLogPath: String?
    /// Adds the qemu-guest-agent channel `org.qemu.guest_agent.0`.
    public var guestAgent: Bool
    /// Path of the emulator binary; nil lets libvirt choose from its capabilities.
    public var emulator: String?
    /// Ownership metadata, rendered in SandboxCore's own XML namespace.
    public var metadata: SandboxMetadata?

    public enum VirtType: String, Sendable, Hashable, Codable, CaseIterable {
        case kvm
        case qemu
    }

    public enum Architecture: String, Sendable, Hashable, Codable, CaseIterable {
        case x86_64
        case aarch64

        /// The machine type used when none is given.
        public var defaultMachine: String { self == .x86_64 ? "q35" : "virt" }
        /// The serial console device the guest kernel sees.
        public var serialConsole: String { self == .x86_64 ? "ttyS0" : "ttyAMA0" }
    }

    public enum CPUModel: Sendable, Hashable, Codable {
        /// `<cpu mode='host-passthrough'/>` (KVM only).
        case hostPassthrough
        /// `<cpu mode='maximum'/>`: everything the emulator can offer.
        case maximum
        /// A named model, e.g. `cortex-a57` or `qemu64`.
        case named(String)
        /// QEMU's `max` CPU with `pauth-impdef=on`: the fastest emulated aarch64 CPU (armv8.x with
        /// pointer authentication computed by a cheap implementation-defined hash instead of
        /// QARMA). Measured on a 2-core x86_64 host, 2 vCPUs, start to DHCP lease: 55.5 s, against
        /// 59–62 s for `cortex-a57` as booted; it has E0PD, so KASLR does not force KPTI on. With
        /// `kpti=0` (``EmulatedKernelTuning``, the default) `cortex-a57` takes 36.6 s, so this buys
        /// nothing there. Plain `max` took 94–98 s with 1 vCPU.
        ///
        /// Emulated aarch64 only (domain type `qemu`). libvirt has no XML for the property, so it
        /// is passed as `-cpu max,pauth-impdef=on` in `<qemu:commandline>` (after libvirt's own
        /// `<cpu mode='maximum'/>`, so QEMU takes it): libvirt then marks the domain **tainted**
        /// (`custom-argv`: a warning in the domain log, and unsupported by libvirt's maintainers).
        /// Opt-in for that reason; the default for emulated aarch64 is `cortex-a57`.
        case maximumImpdefPointerAuth

        /// The QEMU `-cpu` value of ``maximumImpdefPointerAuth``.
        public static let impdefPointerAuthArgument = "max,pauth-impdef=on"
    }

    public enum Boot: Sendable, Hashable, Codable {
        /// Boot from the disk through firmware: BIOS on x86_64 unless `loader` is given,
        /// UEFI on aarch64 (libvirt's firmware auto-selection when `loader` is nil).
        case firmware(loader: String? = nil, nvramTemplate: String? = nil)
        /// Direct kernel boot.
        case kernel(path: String, initrd: String?, cmdline: String)
    }

    public struct Disk: Sendable, Hashable, Codable {
        public var path: String
        public var format: DiskFormat
        /// Block I/O limits (`<iotune>`); nil or empty renders none.
        public var ioTune: DiskIOTune?
        public init(path: String, format: DiskFormat = .qcow2, ioTune: DiskIOTune? = nil) {
            self.path = path
            self.format = format
            self.ioTune = ioTune
        }
    }

    public struct NIC: Sendable, Hashable, Codable {
        public enum Source: Sendable, Hashable, Codable {
            /// A libvirt-managed network, by name.
            case network(String)
            /// A host bridge, by name.
            case bridge(String)
        }
        public var source: Source
        public var mac: MACAddress
        /// The device model; `virtio` unless there is a reason.
        public var model: String
        /// A libvirt network filter applied to the NIC (`<filterref>`), such as `clean-traffic`,
        /// which stops the guest from spoofing MAC or IP addresses; nil for none.
        public var filter: String?
        /// Variables of ``filter`` (`<parameter>` in `<filterref>`), e.g. ``FilterParameter/ip(_:)``
        /// so `clean-traffic` binds the address the guest was given; only with a filter.
        public var filterParameters: [FilterParameter]
        /// `<port isolated='yes'/>`: the host bridge forwards nothing between this port and other
        /// isolated ports, so guests on one network reach the host and the outside but not each
        /// other (libvirt 6.2+, tap-based network and bridge interfaces).
        public var isolated: Bool
        /// Traffic shaping (`<bandwidth>`); nil or empty renders none.
        public var bandwidth: Bandwidth?
        public init(
            source: Source, mac: MACAddress, model: String = "virtio", filter: String? = nil,
            filterParameters: [FilterParameter] = [], isolated: Bool = false, bandwidth: Bandwidth? = nil
        ) {
            self.source = source
            self.mac = mac
            self.model = model
            self.filter = filter
            self.filterParameters = filterParameters
            self.isolated = isolated
            self.bandwidth = bandwidth
        }
    }

    public init(
        name: SandboxName, uuid: UUID? = nil, memoryMiB: Int = 1024, vcpus: Int = 1, virtType: VirtType = .kvm,
        arch: Architecture = .x86_64, machine: String? = nil, cpu: CPUModel? = nil, boot: Boot = .firmware(),
        nvramPath: String? = nil, disk: Disk, seedISOPath: String?, nic: NIC, serialLogPath: String? = nil,
        guestAgent: Bool = true,
        emulator: String? = nil, metadata: SandboxMetadata? = nil
    ) {
        self.name = name
        self.uuid = uuid
        self.memoryMiB = memoryMiB
        self.vcpus = vcpus
        self.virtType = virtType
        self.arch = arch
        self.machine = machine
        self.cpu = cpu
        self.boot = boot
        self.nvramPath = nvramPath
        self.disk = disk
        self.seedISOPath = seedISOPath
        self.nic = nic
        self.serialLogPath = serialLogPath
        self.guestAgent = guestAgent
        self.emulator = emulator
        self.metadata = metadata
    }

    /// Whether the guest boots through UEFI firmware: a firmware boot with a loader, or on aarch64
    /// (libvirt's firmware auto-selection); these are the domains with an NVRAM file.
    public var usesUEFI: Bool {
        guard case .firmware(let loader, _) = boot else { return false }
        return loader != nil || arch == .aarch64
    }

    /// The largest memory a spec accepts (4 TiB).
    public static let maxMemoryMiB = 4 * 1024 * 1024
    /// The most vCPUs a spec accepts.
    public static let maxVCPUs = 1024

    /// Throws `.invalidArgument` naming the first unacceptable value.
    public func validate() throws(SandboxError) {
        guard (1...Self.maxMemoryMiB).contains(memoryMiB) else {
            throw .invalid("memory must be 1…\(Self.maxMemoryMiB) MiB, not \(memoryMiB)")
        }
        guard (1...Self.maxVCPUs).contains(vcpus) else {
            throw .invalid("vCPUs must be 1…\(Self.maxVCPUs), not \(vcpus)")
        }
        if let machine { try ValueChecks.token(machine, what: "machine type") }
        if case .named(let model) = cpu { try ValueChecks.token(model, what: "CPU model", extra: [UInt8(ascii: ",")]) }
        if cpu == .maximumImpdefPointerAuth, arch != .aarch64 || virtType != .qemu {
            throw .invalid("the CPU max,pauth-impdef=on is for emulated aarch64 (domain type qemu) only")
        }
        switch boot {
        case .firmware(let loader, let nvram):
            if let loader { try ValueChecks.absolutePath(loader, what: "firmware loader") }
            if let nvram { try ValueChecks.absolutePath(nvram, what: "NVRAM template") }
        case .kernel(let path, let initrd, let cmdline):
            try ValueChecks.absolutePath(path, what: "kernel")
            if let initrd { try ValueChecks.absolutePath(initrd, what: "initrd") }
            try ValueChecks.freeText(cmdline, what: "kernel command line", maxBytes: 4096)
        }
        if let nvramPath {
            try ValueChecks.absolutePath(nvramPath, what: "NVRAM path")
            guard usesUEFI else { throw .invalid("an NVRAM file needs UEFI firmware boot (a loader, or aarch64)") }
        }
        try cpuTune?.validate()
        try ValueChecks.absolutePath(disk.path, what: "disk path")
        try disk.ioTune?.validate()
        if let seedISOPath { try ValueChecks.absolutePath(seedISOPath, what: "seed ISO path") }
        for nic in allNICs {
            try nic.source.validate()
            try ValueChecks.token(nic.model, what: "NIC model")
            if let filter = nic.filter { try ValueChecks.token(filter, what: "network filter") }
            for parameter in nic.filterParameters { try parameter.validate() }
            if !nic.filterParameters.isEmpty, nic.filter == nil {
                throw .invalid("network filter parameters need a network filter")
            }
            try nic.bandwidth?.validate()
        }
        guard Set(allNICs.map(\.mac)).count == allNICs.count else {
            throw .invalid("two NICs have the same MAC address")
        }
        if let serialLogPath { try ValueChecks.absolutePath(serialLogPath, what: "serial log path") }
        if let emulator { try ValueChecks.absolutePath(emulator, what: "emulator path") }
        try metadata?.validate()
    }
}

extension DomainSpec.NIC.Source {
    package func validate() throws(SandboxError) {
        switch self {
        case .network(let name): try ValueChecks.token(name, what: "network name")
        case .bridge(let name): try ValueChecks.token(name, what: "bridge name")
        }
    }
}

/// What a caller asks for when creating a sandbox. Everything but the base VM is optional:
/// unset values are inherited from the base.
public struct SandboxRequest: Sendable, Hashable {
    /// The base VM (shut off, with cloud-init installed) to clone.
    public var baseVM: String
    /// The sandbox's name; `sbx-<8 hex>` is generated when nil.
    public var name: SandboxName?
    public var memoryMiB: Int?
    public var vcpus: Int?
    /// Host name; derived from the name when nil.
    public var hostname: Hostname?
    public var userData: UserData
    /// The network the NIC joins (and the default for ``nics`` that name none); the base's when nil.
    public var network: DomainSpec.NIC.Source?
    /// The sandbox's NICs, in order (`eth0`, `eth1` … in the guest); empty means one
    /// ``SandboxNIC`` with defaults (DHCP). At most ``SandboxNIC/maxCount``.
    public var nics: [SandboxNIC] = []
    /// A network-config of the caller's own, used verbatim instead of the one rendered from
    /// ``nics`` (NoCloud only; see ``CloudInitSeed/customNetworkConfig``).
    public var customNetworkConfig: String?
    /// NoCloud (default) or ConfigDrive.
    public var seedFormat: SeedFormat = .noCloud
    /// Overrides the base's domain type (`kvm` or `qemu`).
    public var virtType: DomainSpec.VirtType?
    /// Overrides the base's CPU model. nil inherits the base's (when the domain type is the base's)
    /// or else lets ``DomainXMLRenderer`` choose: `cortex-a57` for emulated aarch64. Opt in to
    /// ``DomainSpec/CPUModel/maximumImpdefPointerAuth`` here or in the base's XML.
    public var cpu: DomainSpec.CPUModel?
    /// Append ``EmulatedKernelTuning``'s arguments (`kpti=0` for emulated aarch64) to a
    /// direct-kernel-boot command line; on by default. An emulated arm64 guest reaches its DHCP
    /// lease in 37 s instead of 60 s with it.
    public var tuneEmulatedKernel = true
    /// Start the sandbox after defining it.
    public var autoStart: Bool
    /// Wait for the sandbox's IP address before returning (needs `autoStart`). When the wait
    /// fails, the create fails and removes what it made; the error carries a diagnosis.
    public var waitForIP: Bool
    /// The wait's timeout; nil uses the manager's scaled ``DiscoveryTimeout``.
    public var ipTimeout: Duration?
    public var agentID: String?
    public var ttlSeconds: Int?
    /// The tenant recorded in the sandbox's metadata (a token: letters, digits, `-`, `_`, `.`),
    /// for services that keep tenants apart; SandboxCore itself does not filter by it.
    public var tenant: String?

    /// Where SSH reaches the sandbox: recorded when the seed installs host keys.
    var sshEndpoint: SSHEndpoint? {
        guard !userData.sshHostKeys.isEmpty else { return nil }
        return SSHEndpoint(user: userData.sshUser, hostKeys: userData.sshHostKeys.map(\.publicKeyWithoutComment))
    }

    public init(
        baseVM: String, name: SandboxName? = nil, memoryMiB: Int? = nil, vcpus: Int? = nil, hostname: Hostname? = nil,
        userData: UserData = UserData(), network: DomainSpec.NIC.Source? = nil, virtType: DomainSpec.VirtType? = nil,
        autoStart: Bool = true, waitForIP: Bool = false, ipTimeout: Duration? = nil, agentID: String? = nil,
        ttlSeconds: Int? = nil, cpu: DomainSpec.CPUModel? = nil
    ) {
        self.cpu = cpu
        self.waitForIP = waitForIP
        self.ipTimeout = ipTimeout
        self.baseVM = baseVM
        self.name = name
        self.memoryMiB = memoryMiB
        self.vcpus = vcpus
        self.hostname = hostname
        self.userData = userData
        self.network = network
        self.virtType = virtType
        self.autoStart = autoStart
        self.agentID = agentID
        self.ttlSeconds = ttlSeconds
    }
}

/// A sandbox SandboxCore made: where its files are and how it was built.
public struct Sandbox: Sendable, Hashable, Codable {
    public var name: SandboxName
    public var uuid: String
    public var mac: MACAddress
    public var baseVM: String
    public var jobDirectory: String
    public var overlayPath: String
    public var seedISOPath: String
    public var consoleLogPath: String
    public var state: DomainState
    public var createdAt: Int64
    public var agentID: String?
    public var ttlSeconds: Int?
    /// The address found when the request asked to wait for it.
    public var ipAddress: String?
    /// Every NIC, in order; the first is ``mac``'s.
    public var interfaces: [Interface] = []
    /// The tenant from the request, recorded in the metadata.
    public var tenant: String?
    /// The SSH login and pinned host keys, when the request's ``UserData/sshHostKeys`` were set.
    public var ssh: SSHEndpoint?

    /// One NIC of a sandbox as it was made.
    public struct Interface: Sendable, Hashable, Codable {
        /// The name the seed gives it in the guest (`eth0` …).
        public var name: String
        public var mac: MACAddress
        public var source: DomainSpec.NIC.Source
        /// Fixed addresses the seed configures.
        public var fixedAddresses: [IPInterfaceAddress]
        /// The address reserved for it in the network's DHCP server.
        public var reservedIPv4: IPAddress?
    }
}

/// One sandbox found by ``SandboxManager/list()``.
public struct SandboxSummary: Sendable, Hashable, Codable {
    public var name: String
    public var uuid: String
    public var state: DomainState
    public var baseVM: String
    public var createdAt: Int64
    public var agentID: String?
    public var ttlSeconds: Int?
    public var jobDirectory: String?
    /// The tenant recorded in the metadata, if any.
    public var tenant: String?
    /// The SSH login and pinned host keys recorded in the metadata, if any.
    public var ssh: SSHEndpoint?
}

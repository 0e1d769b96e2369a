import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// Creates, lists and destroys sandboxes: linked clones of a base VM, each with its own overlay,
/// its own cloud-init seed and its own MAC, owned through the domain's `<metadata>`.
///
/// A create is transactional: when any step fails, or the task is cancelled, everything it made
/// (job folder, overlay, seed, domain) is removed and the original error is thrown.
/// An actor: safe to share between tasks; concurrent creates run interleaved.
public actor SandboxManager {
    public struct Configuration: Sendable, Hashable {
        /// The folder holding one job folder per sandbox (`<jobsRoot>/<name>/`).
        public var jobsRoot: String
        /// Written into each sandbox's metadata; ``SandboxManager/list()`` shows only this owner's.
        public var owner: String
        /// The network a sandbox's NIC joins when neither the request nor the base names one.
        public var defaultNetwork: DomainSpec.NIC.Source
        /// Seconds since the epoch stamped on seed ISOs.
        public var seedTimestamp: Int64
        /// The most time ``SandboxManager/destroy(_:)`` gives a running sandbox, in all, to let go
        /// cleanly before it pulls the plug: with a guest agent the guest releases its DHCP leases
        /// through it; without one it is asked to power off (ifupdown guests release on the way
        /// down). A guest whose agent is frozen costs destroy this long, never more. Zero skips both.
        public var gracefulShutdownTimeout: Duration
        /// How long to wait for an address, before scaling for emulation (default 2 minutes).
        public var discoveryTimeout: DiscoveryTimeout
        /// Where addresses are looked up, in order.
        public var discoverySources: [DiscoverySource]
        /// The network filter put on each sandbox's NIC (default: `clean-traffic` when the
        /// connection has it).
        public var networkFilter: NetworkFilterPolicy
        /// The mode of each job folder; nil (the default) decides from the user QEMU runs as, read
        /// from the host's capabilities: `0700` when QEMU runs as root, else `0710` with QEMU's
        /// group, and the overlay, seed ISO and UEFI variables owned by QEMU's user (see
        /// ``QEMUProcessIdentity``). Nobody else may enter a job folder either way.
        public var jobFolderPermissions: UInt16?
        /// Whether each sandbox NIC gets `<port isolated='yes'/>` (default true): sandboxes on one
        /// network or bridge reach the host and beyond but not each other. Off for sandboxes that
        /// must talk to each other, or for a network whose ports are not plain Linux bridge taps
        /// (macvtap, hostdev, Open vSwitch `<virtualport>`), where libvirt refuses to start the
        /// domain with it.
        public var isolateSandboxes: Bool
        /// CPU, disk I/O and network limits put on every sandbox (default: none).
        public var resourceLimits: ResourceLimits

        public init(
            jobsRoot: String, owner: String = "sandboxcore",
            defaultNetwork: DomainSpec.NIC.Source = .network("default"),
            seedTimestamp: Int64 = CloudInitSeedBuilder.defaultTimestamp,
            gracefulShutdownTimeout: Duration = .seconds(10),
            discoveryTimeout: DiscoveryTimeout = DiscoveryTimeout(),
            discoverySources: [DiscoverySource] = DiscoverySource.defaultOrder,
            networkFilter: NetworkFilterPolicy = .cleanTrafficIfAvailable, jobFolderPermissions: UInt16? = nil,
            isolateSandboxes: Bool = true, resourceLimits: ResourceLimits = ResourceLimits()
        ) {
            self.isolateSandboxes = isolateSandboxes
            self.resourceLimits = resourceLimits
            self.networkFilter = networkFilter
            self.jobFolderPermissions = jobFolderPermissions
            self.discoveryTimeout = discoveryTimeout
            self.discoverySources = discoverySources
            self.gracefulShutdownTimeout = gracefulShutdownTimeout
            self.jobsRoot = jobsRoot
            self.owner = owner
            self.defaultNetwork = defaultNetwork
            self.seedTimestamp = seedTimestamp
        }
    }

    /// File names inside a job folder.
    public enum JobFile {
        public static let overlay = "disk.qcow2"
        public static let seed = "cloud-init.iso"
        public static let console = "console.log"
        /// The UEFI variable store of a sandbox whose base boots through UEFI.
        public static let nvram = "nvram.fd"
    }

    public let domains: any DomainManager
    public let configuration: Configuration
    let logger: Logger
    /// What the manager reports through swift-metrics.
    public nonisolated let metrics: SandboxMetrics
    /// Shared by every wait for an address: one lease poll per network, not per sandbox.
    public nonisolated let leaseWatcher: LeaseWatcher
    /// Sandboxes whose finished cloud-init has been counted in ``metrics``.
    var cloudInitCounted: Set<String> = []
    /// The user QEMU runs as, by domain type, once asked (see ``qemuIdentity(virtType:)``).
    var qemuIdentities: [String: QEMUProcessIdentity?] = [:]
    /// Names of creates in flight in this manager.
    var pendingNames: Set<String> = []
    private var pendingMACs: Set<MACAddress> = []
    /// MAC addresses of the connection's domains, by domain UUID.
    private var macsByDomain: [String: Set<MACAddress>] = [:]
    /// Writes the seed ISO and its plain files; replaceable by tests to inject failures.
    var seedWriter: @Sendable (CloudInitSeed, String, String) throws(SandboxError) -> Void
    /// Called after each stage of a create (see ``setCreateStageObserver(_:)``).
    var stageObserver: (@Sendable (Checkpoint, SandboxName) async -> Void)?

    public init(
        domains: any DomainManager, configuration: Configuration,
        logger: Logger = Logger(label: "SandboxCore.sandbox", factory: { _ in SwiftLogNoOpLogHandler() }),
        metrics: SandboxMetrics = SandboxMetrics()
    ) {
        self.domains = domains
        self.configuration = configuration
        self.logger = logger
        self.metrics = metrics
        self.leaseWatcher = LeaseWatcher(domains: domains, logger: logger)
        let timestamp = configuration.seedTimestamp
        self.seedWriter = { (seed, isoPath, folder) throws(SandboxError) in
            try CloudInitSeedBuilder(timestamp: timestamp).write(seed, isoPath: isoPath, plainFilesDirectory: folder)
        }
    }

    /// Replaces the seed writer (tests inject failures with it).
    func setSeedWriter(_ writer: @escaping @Sendable (CloudInitSeed, String, String) throws(SandboxError) -> Void) {
        seedWriter = writer
    }

    // MARK: Create

    /// Creates a sandbox from `request.baseVM` and starts it unless `autoStart` is false.
    ///
    /// - Parameter progress: called on the creating task as each stage finishes and, while waiting
    ///   for the address, with what the wait is doing.
    public func create(_ request: SandboxRequest, progress: (@Sendable (CreateProgress) -> Void)? = nil)
        async throws(SandboxError) -> Sandbox
    {
        do {
            let sandbox = try await transactionalCreate(request, progress: progress)
            metrics.created(ok: true)
            return sandbox
        } catch {
            metrics.created(ok: false)
            throw error
        }
    }

    private func transactionalCreate(_ request: SandboxRequest, progress: (@Sendable (CreateProgress) -> Void)?)
        async throws(SandboxError) -> Sandbox
    {
        try ValueChecks.absolutePath(configuration.jobsRoot, what: "jobs folder")
        try ValueChecks.token(configuration.owner, what: "owner")
        try checkHardeningConfiguration()
        if let memory = request.memoryMiB, !(1...DomainSpec.maxMemoryMiB).contains(memory) {
            throw .invalid("memory must be 1…\(DomainSpec.maxMemoryMiB) MiB, not \(memory)")
        }
        if let vcpus = request.vcpus, !(1...DomainSpec.maxVCPUs).contains(vcpus) {
            throw .invalid("vCPUs must be 1…\(DomainSpec.maxVCPUs), not \(vcpus)")
        }
        try ValueChecks.freeText(request.baseVM, what: "base VM name", maxBytes: 255)
        guard !request.baseVM.isEmpty else { throw .invalid("base VM name must not be empty") }
        try request.userData.validate()
        if let network = request.network { try network.validate() }
        try Self.validateNetworking(request)
        if request.waitForIP, !request.autoStart { throw .invalid("waiting for an IP needs the sandbox started") }
        if let timeout = request.ipTimeout, timeout <= .zero { throw .invalid("the IP timeout must be positive") }
        // The metadata is checked now so that bad input fails before anything is made.
        try SandboxMetadata(
            owner: configuration.owner, baseVM: request.baseVM, createdAt: 0, agentID: request.agentID,
            ttlSeconds: request.ttlSeconds, tenant: request.tenant, ssh: request.sshEndpoint
        ).validate()
        let name = try await reserveName(request.name)
        defer { pendingNames.remove(name.value) }
        var reservedMACs: [MACAddress] = []
        defer { pendingMACs.subtract(reservedMACs) }
        var made = CreatedResources(jobDirectory: configuration.jobsRoot + "/" + name.value)
        do {
            defer { reservedMACs = made.macs }
            let sandbox = try await build(name: name, request: request, made: &made, progress: progress)
            try Self.checkCancellation(stage: "after start")
            CreationRecord.remove(in: made.jobDirectory)
            return sandbox
        } catch {
            // Failing before anything was made is the caller's to report; a rollback is worth a warning.
            logger.log(
                level: made.madeJobDirectory ? .warning : .debug, "create failed, rolling back",
                metadata: ["sandbox": "\(name)", "error": "\(error)"])
            await rollBack(made, name: name)
            throw error
        }
    }

    /// What a create has made so far, so a failure removes exactly that.
    private struct CreatedResources {
        var jobDirectory: String
        var madeJobDirectory = false
        var defined = false
        var macs: [MACAddress] = []
        /// DHCP host entries added to networks: (network, `<host …/>`).
        var dhcpHosts: [(network: String, xml: String)] = []
    }

    private func build(
        name: SandboxName, request: SandboxRequest, made: inout CreatedResources,
        progress: (@Sendable (CreateProgress) -> Void)?
    ) async throws(SandboxError) -> Sandbox {
        let clock = ContinuousClock()
        let start = clock.now
        var stageStart = start
        func stage(_ done: CreateStage) {
            let now = clock.now
            logger.debug(
                "stage done", metadata: ["sandbox": "\(name)", "stage": "\(done)", "elapsed": "\(now - stageStart)"])
            stageStart = now
            progress?(.stage(done, elapsed: now - start))
        }

        // The base: present, shut off, with a file-backed disk.
        guard let baseSummary = try await domains.domain(named: request.baseVM) else {
            throw SandboxError(.notFound, "base VM \(ValueChecks.quoted(request.baseVM)) does not exist")
        }
        guard baseSummary.state == .shutOff else {
            throw SandboxError(
                .invalidBase,
                "base VM \(request.baseVM) is \(baseSummary.state); it must be shut off (an overlay on a disk in use corrupts)"
            )
        }
        let base = try BaseVM(xml: try await domains.domainXML(named: request.baseVM, inactive: true, secure: false))
        if let seed = base.seedISOPath {
            logger.info(
                "base VM has a CD-ROM (\(seed)); the sandbox gets its own seed instead",
                metadata: ["sandbox": "\(name)"])
        }
        let backing = try DiskImage.inspect(path: base.diskPath)
        if let declared = base.declaredDiskFormat, declared != backing.format {
            throw SandboxError(
                .invalidBase,
                "base VM \(request.baseVM) declares its disk as \(declared) but \(base.diskPath) is \(backing.format)")
        }
        try Self.checkCancellation(stage: "base inspected")
        stage(.base)

        let filter = try await networkFilterName()
        let requestedNICs = request.nics.isEmpty ? [SandboxNIC()] : request.nics
        made.macs = try await reserveMACs(requestedNICs.map(\.mac))
        let mac = made.macs[0]
        let defaultSource = request.network ?? base.nicSource ?? configuration.defaultNetwork
        let interfaces = zip(requestedNICs, made.macs).enumerated().map { index, pair in
            let (nic, mac) = pair
            var fixed: [IPInterfaceAddress] = []
            if case .fixed(let address, _) = nic.ipv4 { fixed.append(address) }
            if case .fixed(let address, _) = nic.ipv6 { fixed.append(address) }
            return Sandbox.Interface(
                name: "eth\(index)", mac: mac, source: nic.network ?? defaultSource, fixedAddresses: fixed,
                reservedIPv4: nic.reservedIPv4)
        }
        try await checkReservations(interfaces)

        // The job folder: mkdir is the cross-process lock on the name.
        let virtType = request.virtType ?? DomainSpec.VirtType(rawValue: base.virtType) ?? .qemu
        let access = JobFolderAccess.decide(
            configuredMode: configuration.jobFolderPermissions, qemu: await qemuIdentity(virtType: virtType))
        try makeJobDirectory(made.jobDirectory, name: name, access: access)
        made.madeJobDirectory = true
        // Ownership is on disk before anything else is made; reconcile() finds what a killed create left.
        try CreationRecord.current(owner: configuration.owner).write(in: made.jobDirectory)
        await stageObserver?(.jobFolder, name)
        let overlayPath = made.jobDirectory + "/" + JobFile.overlay
        let seedPath = made.jobDirectory + "/" + JobFile.seed
        let consolePath = made.jobDirectory + "/" + JobFile.console
        try Qcow2Overlay.create(at: overlayPath, backing: backing)
        try access.handOver(overlayPath)
        try Self.checkCancellation(stage: "overlay")
        stage(.overlay)
        await stageObserver?(.overlay, name)

        // The sandbox's own seed; never the base's.
        let hostname: Hostname
        if let requested = request.hostname { hostname = requested } else { hostname = try name.defaultHostname }
        let network = NetworkConfig(
            ethernets: zip(requestedNICs, interfaces).map { $0.ethernet(interfaceName: $1.name, mac: $1.mac) })
        let seed = CloudInitSeed(
            instanceID: name.value, hostname: hostname, network: network,
            userData: request.userData, customNetworkConfig: request.customNetworkConfig, format: request.seedFormat)
        do {
            try seedWriter(seed, seedPath, made.jobDirectory)
        } catch {
            throw SandboxError(
                .seedBuildFailed, "cannot build the seed of \(name): \(error.message)", underlying: error.underlying)
        }
        try access.handOver(seedPath)
        try Self.checkCancellation(stage: "seed")
        stage(.seed)
        await stageObserver?(.seed, name)

        let createdAt = Int64(Date().timeIntervalSince1970)
        let nvramPath = try Self.prepareNVRAM(base: base, jobDirectory: made.jobDirectory)
        if let nvramPath, FileManager.default.fileExists(atPath: nvramPath) { try access.handOver(nvramPath) }
        let boot =
            request.tuneEmulatedKernel
            ? EmulatedKernelTuning.tuned(base.boot, arch: base.arch, virtType: virtType) : base.boot
        if boot != base.boot {
            logger.debug(
                "emulated guest: kernel arguments added",
                metadata: [
                    "sandbox": "\(name)",
                    "arguments": "\(EmulatedKernelTuning.arguments(arch: base.arch, virtType: virtType))",
                ])
        }
        var spec = DomainSpec(
            name: name, uuid: UUID(), memoryMiB: request.memoryMiB ?? base.memoryMiB,
            vcpus: request.vcpus ?? base.vcpus,
            virtType: virtType, arch: base.arch, machine: base.machine,
            cpu: request.cpu ?? (virtType.rawValue == base.virtType ? base.cpu : nil), boot: boot,
            nvramPath: nvramPath, disk: .init(path: overlayPath, format: .qcow2), seedISOPath: seedPath,
            nic: .init(source: interfaces[0].source, mac: mac, filter: filter),
            serialLogPath: consolePath, emulator: base.emulator,
            metadata: SandboxMetadata(
                owner: configuration.owner, baseVM: request.baseVM, createdAt: createdAt, agentID: request.agentID,
                ttlSeconds: request.ttlSeconds, jobDirectory: made.jobDirectory, tenant: request.tenant,
                ssh: request.sshEndpoint))
        spec.extraNICs = interfaces.dropFirst().map { .init(source: $0.source, mac: $0.mac, filter: filter) }
        applyIsolation(to: &spec, interfaces: interfaces)
        let xml = try DomainXMLRenderer().render(spec)

        let summary = try await domains.define(xml: xml)
        made.defined = true
        macsByDomain[summary.uuid] = Set(made.macs)
        for interface in interfaces {
            guard let address = interface.reservedIPv4, case .network(let networkName) = interface.source else {
                continue
            }
            let host = XMLTree("host", [("mac", interface.mac.description), ("ip", address.description)]).render()
            try await domains.updateDHCPHost(network: networkName, hostXML: host, add: true)
            made.dhcpHosts.append((networkName, host))
        }
        try Self.checkCancellation(stage: "define")
        stage(.define)
        metrics.prepared(in: clock.now - start)
        await stageObserver?(.defined, name)

        var state = summary.state
        var address: String?
        if request.autoStart {
            try await domains.start(named: name.value)
            let started = clock.now
            state = try await domains.state(named: name.value)
            stage(.start)
            if request.waitForIP {
                var observer: (@Sendable (IPWaitProgress) -> Void)?
                if let progress { observer = { @Sendable waiting in progress(.waiting(waiting)) } }
                address = try await waitForIP(of: name, timeout: request.ipTimeout, observer: observer).address
                metrics.bootToIP(clock.now - started)
                stage(.ip)
            }
        }
        return Sandbox(
            name: name, uuid: summary.uuid, mac: mac, baseVM: request.baseVM, jobDirectory: made.jobDirectory,
            overlayPath: overlayPath, seedISOPath: seedPath, consoleLogPath: consolePath, state: state,
            createdAt: createdAt, agentID: request.agentID, ttlSeconds: request.ttlSeconds, ipAddress: address,
            interfaces: interfaces, tenant: request.tenant, ssh: request.sshEndpoint)
    }

    private func rollBack(_ made: CreatedResources, name: SandboxName) async {
        for host in made.dhcpHosts {
            do {
                try await domains.updateDHCPHost(network: host.network, hostXML: host.xml, add: false)
            } catch {
                logger.error(
                    "rollback: cannot remove DHCP host entry",
                    metadata: ["network": "\(host.network)", "host": "\(host.xml)", "error": "\(error)"])
            }
        }
        if made.defined {
            do {
                try await domains.destroy(named: name.value)
            } catch {
                logger.warning("rollback: destroy failed", metadata: ["sandbox": "\(name)", "error": "\(error)"])
            }
            do {
                try await domains.undefine(named: name.value)
            } catch {
                logger.error("rollback: undefine failed", metadata: ["sandbox": "\(name)", "error": "\(error)"])
            }
        }
        if made.madeJobDirectory {
            do {
                try FileManager.default.removeItem(atPath: made.jobDirectory)
            } catch {
                logger.error("rollback: cannot remove job folder", metadata: ["path": "\(made.jobDirectory)"])
            }
        }
    }

    private static func checkCancellation(stage: String) throws(SandboxError) {
        if Task.isCancelled {
            throw SandboxError(.cancelled, "create was cancelled (\(stage)); everything it made was removed")
        }
    }

    private func reserveName(_ requested: SandboxName?) async throws(SandboxError) -> SandboxName {
        if let requested {
            guard !pendingNames.contains(requested.value) else { throw Self.nameTaken(requested) }
            pendingNames.insert(requested.value)
            do throws(SandboxError) {
                if try await domains.domain(named: requested.value) != nil { throw Self.nameTaken(requested) }
            } catch {
                pendingNames.remove(requested.value)
                throw error
            }
            return requested
        }
        for _ in 0..<16 {
            let candidate = SandboxName.generate()
            guard !pendingNames.contains(candidate.value) else { continue }
            pendingNames.insert(candidate.value)
            let existing: DomainSummary?
            do {
                existing = try await domains.domain(named: candidate.value)
            } catch {
                pendingNames.remove(candidate.value)
                throw error
            }
            if existing == nil, !FileManager.default.fileExists(atPath: configuration.jobsRoot + "/" + candidate.value)
            {
                return candidate
            }
            pendingNames.remove(candidate.value)
        }
        throw SandboxError(.nameTaken, "could not find a free generated name after 16 tries")
    }

    private static func nameTaken(_ name: SandboxName) -> SandboxError {
        SandboxError(.nameTaken, "a domain or sandbox named \(name) already exists")
    }

    /// A random `52:54:00` MAC used by no domain of the connection and no create in flight.
    ///
    /// Each domain's MACs are read from its XML once and cached by UUID; a create lists the
    /// domains and reads only those it has not seen.
    private func reserveMACs(_ requested: [MACAddress?]) async throws(SandboxError) -> [MACAddress] {
        var used = pendingMACs
        var seen = Set<String>()
        for domain in try await domains.listDomains() {
            seen.insert(domain.uuid)
            if let cached = macsByDomain[domain.uuid] {
                used.formUnion(cached)
                continue
            }
            guard let xml = try? await domains.domainXML(named: domain.name, inactive: false, secure: false) else {
                continue
            }
            let macs = Self.macAddresses(in: xml)
            macsByDomain[domain.uuid] = macs
            used.formUnion(macs)
        }
        macsByDomain = macsByDomain.filter { seen.contains($0.key) }
        for case let mac? in requested where used.contains(mac) {
            throw SandboxError(.nameTaken, "MAC address \(mac) is already used by another domain")
        }
        used.formUnion(requested.compactMap { $0 })
        var result: [MACAddress] = []
        for wanted in requested {
            if let wanted {
                result.append(wanted)
                continue
            }
            var found: MACAddress?
            for _ in 0..<64 where found == nil {
                let candidate = MACAddress.random()
                if !used.contains(candidate) { found = candidate }
            }
            guard let found else { throw SandboxError(.nameTaken, "could not find an unused MAC address") }
            used.insert(found)
            result.append(found)
        }
        pendingMACs.formUnion(result)
        return result
    }

    static func macAddresses(in xml: String) -> Set<MACAddress> { DomainDescription(xml: xml)?.macs ?? [] }

    /// Makes the job folder with the mode and group `access` gives it, and the jobs root (`0711`)
    /// and its missing parents (`0755`) first.
    private func makeJobDirectory(_ path: String, name: SandboxName, access: JobFolderAccess) throws(SandboxError) {
        try Self.makeJobsRoot(configuration.jobsRoot)
        let mode = access.folderMode
        guard mkdir(path, mode) == 0 else {
            if errno == EEXIST { throw Self.nameTaken(name) }
            throw AtomicFile.errnoError("mkdir", path: path)
        }
        // Exactly this mode, whatever the umask; then QEMU's group, when it is not root.
        do throws(SandboxError) {
            guard chmod(path, mode) == 0 else { throw AtomicFile.errnoError("chmod", path: path) }
            try access.apply(toFolder: path)
        } catch {
            _ = rmdir(path)
            throw error
        }
    }

    /// The jobs root (`0711`: QEMU's user may pass through it, nobody may list it) and its missing
    /// parents (`0755`, like `mkdir -p`). An existing root keeps its mode.
    static func makeJobsRoot(_ root: String) throws(SandboxError) {
        if mkdir(root, 0o711) == 0 {
            _ = chmod(root, 0o711)
            return
        }
        guard errno == ENOENT else {
            if errno == EEXIST { return }
            throw AtomicFile.errnoError("mkdir", path: root)
        }
        var parent = ""
        for component in root.split(separator: "/").dropLast() {
            parent += "/" + component
            if mkdir(parent, 0o755) != 0, errno != EEXIST { throw AtomicFile.errnoError("mkdir", path: parent) }
        }
        if mkdir(root, 0o711) != 0, errno != EEXIST { throw AtomicFile.errnoError("mkdir", path: root) }
        _ = chmod(root, 0o711)
    }

    /// The user QEMU runs as for domains of `virtType`, read once per manager from the host's
    /// capabilities; nil when the host reports none (or cannot be asked).
    func qemuIdentity(virtType: DomainSpec.VirtType) async -> QEMUProcessIdentity? {
        if let known = qemuIdentities[virtType.rawValue] { return known }
        let identity = (try? await domains.capabilitiesXML()).flatMap {
            QEMUProcessIdentity.fromCapabilities($0, virtType: virtType.rawValue)
        }
        qemuIdentities[virtType.rawValue] = .some(identity)
        return identity
    }

    // MARK: Destroy and list

    /// Stops (cleanly first, see ``Configuration/gracefulShutdownTimeout``) and undefines the
    /// sandbox and removes its job folder. Idempotent: a sandbox that is already gone is not an
    /// error. Refuses domains SandboxCore does not own.
    public func destroy(_ name: SandboxName) async throws(SandboxError) {
        do {
            try await destroyOwned(name)
            metrics.destroyed(ok: true)
        } catch {
            metrics.destroyed(ok: false)
            throw error
        }
    }

    private func destroyOwned(_ name: SandboxName) async throws(SandboxError) {
        cloudInitCounted.remove(name.value)
        let jobDirectory = configuration.jobsRoot + "/" + name.value
        if try await domains.domain(named: name.value) != nil {
            let metadataXML = try await domains.metadata(named: name.value, namespaceURI: SandboxMetadata.namespaceURI)
            guard let metadata = metadataXML.flatMap(SandboxMetadata.init(metadataXML:)) else {
                throw SandboxError(
                    .invalidArgument, "domain \(name) is not a sandbox made by SandboxCore; refusing to destroy it")
            }
            // The metadata can be rewritten by anyone with access to libvirt: a job folder it
            // names anywhere but `<jobsRoot>/<name>` is never removed (as root, that could be any
            // folder of the host).
            if let job = metadata.jobDirectory, job != jobDirectory {
                logger.warning(
                    "the sandbox's metadata names a job folder outside the jobs root; leaving it alone",
                    metadata: ["sandbox": "\(name)", "job": "\(job)", "jobsRoot": "\(configuration.jobsRoot)"])
            }
            let domainXML = try? await domains.domainXML(named: name.value, inactive: true, secure: false)
            await shutDownCleanly(name, nics: domainXML.map(Self.networkNICs(in:)) ?? [:])
            try await domains.destroy(named: name.value)
            do {
                try await domains.undefine(named: name.value)
            } catch  where error.code == .notFound {
                // Gone meanwhile (a transient domain, or another destroy): fine.
            }
            if let domainXML { await removeDHCPHosts(domainXML: domainXML) }
        }
        if FileManager.default.fileExists(atPath: jobDirectory) {
            do {
                try FileManager.default.removeItem(atPath: jobDirectory)
            } catch {
                throw SandboxError(.io, "cannot remove job folder \(jobDirectory): \(error.localizedDescription)")
            }
        }
        logger.info("destroyed", metadata: ["sandbox": "\(name)"])
    }

    /// Lets a running sandbox give back its DHCP lease through the guest agent; without an agent,
    /// asks it to power off and waits for it to stop; all within the configured time, in all.
    ///
    /// A guest that merely powers off keeps its lease in the network's table until it expires
    /// (systemd-networkd does not release on shutdown). So, when the guest agent answers, the
    /// guest first releases its leases (see ``releaseLeasesScript``). The agent's part runs in a
    /// task of its own that destroy stops waiting for at the deadline: the guest decides how long
    /// its agent takes (it may have frozen it), so destroy must not wait on it beyond its budget.
    /// The task ends by itself once the domain is destroyed (its agent calls then fail at once).
    /// After a release, the domain lives until the networks in `nics` (MACs by network) no longer
    /// list its leases (see ``releaseSettleTime``): a release still in QEMU's queue is lost when
    /// the plug is pulled.
    private func shutDownCleanly(_ name: SandboxName, nics: [String: Set<MACAddress>]) async {
        let timeout = configuration.gracefulShutdownTimeout
        guard timeout > .zero, (try? await domains.state(named: name.value)) == .running else { return }
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        let released = await waitAtMost(until: deadline) { [domains, logger] in
            await Self.releaseLeases(of: name, domains: domains, until: deadline, logger: logger)
        }
        switch released {
        case true?:
            // Leases are back (once the network has seen them); a disposable guest's disk needs
            // no clean shutdown.
            await waitForLeasesToGo(of: name, nics: nics, until: min(deadline, clock.now + Self.releaseSettleTime))
            return
        case nil:
            logger.info(
                "the guest agent did not release the leases in time; destroying", metadata: ["sandbox": "\(name)"])
            return
        case false?:
            break
        }
        guard clock.now < deadline else { return }
        // No agent: a clean shutdown at least lets ifupdown guests release (ifdown -a).
        do {
            try await domains.shutdown(named: name.value)
        } catch {
            logger.debug("clean shutdown refused", metadata: ["sandbox": "\(name)", "error": "\(error)"])
            return
        }
        while clock.now < deadline, !Task.isCancelled {
            guard let state = try? await domains.state(named: name.value), state != .shutOff else { return }
            try? await Task.sleep(for: .milliseconds(100))
        }
        logger.info("sandbox did not shut down in time; destroying it", metadata: ["sandbox": "\(name)"])
    }

    /// The longest destroy waits, after the guest released its leases, for its networks to drop
    /// them. On a loaded host an emulated guest's DHCPRELEASE can take a while to leave QEMU.
    static let releaseSettleTime: Duration = .seconds(5)

    /// Polls the networks' lease tables until none lists a MAC of `nics`, or until `deadline`
    /// (then logs what is left: those leases stay until they expire). A network whose leases
    /// cannot be read is not waited for.
    private func waitForLeasesToGo(
        of name: SandboxName, nics: [String: Set<MACAddress>], until deadline: ContinuousClock.Instant
    ) async {
        let clock = ContinuousClock()
        var left: [String] = []
        repeat {
            left = []
            for (network, macs) in nics {
                guard let leases = try? await domains.networkDHCPLeases(network: network, mac: nil) else { continue }
                left += leases.filter { lease in MACAddress(lease.mac).map(macs.contains) ?? false }
                    .map { "\(network): \($0.ipAddress) (\($0.mac))" }
            }
            if left.isEmpty || Task.isCancelled { return }
            try? await Task.sleep(for: .milliseconds(100))
        } while clock.now < deadline
        logger.info(
            "the guest released its leases, but its network still lists them; they stay until they expire",
            metadata: ["sandbox": "\(name)", "leases": "\(left.sorted())"])
    }

    /// Pings the guest agent (up to three times while time is left: a busy emulated guest can
    /// take seconds to answer) and, when it answers, runs ``releaseLeasesScript`` with the time
    /// left. Whether the leases were released.
    private static func releaseLeases(
        of name: SandboxName, domains: any DomainManager, until deadline: ContinuousClock.Instant, logger: Logger
    ) async -> Bool {
        let clock = ContinuousClock()
        let agent = GuestAgentClient(domains: domains, domain: name.value)
        var answers = false
        for _ in 0..<3 where !answers && clock.now < deadline {
            let left = Int((deadline - clock.now).components.seconds) + 1
            answers = await agent.ping(timeoutSeconds: min(5, left))
        }
        guard answers, clock.now < deadline else { return false }
        do {
            _ = try await agent.exec("/bin/sh", ["-c", releaseLeasesScript], timeout: deadline - clock.now)
            return true
        } catch {
            logger.debug("releasing leases failed", metadata: ["sandbox": "\(name)", "error": "\(error)"])
            return false
        }
    }

    /// Sends DHCPRELEASE for the guest's leases. systemd-networkd does not release on shutdown
    /// or `networkctl down`, so for each of its lease files a few lines of Python (cloud-init
    /// guests have it) send the release to the server; ifupdown guests release with `ifdown`
    /// (dhclient -r).
    static let releaseLeasesScript = """
        for lease in /run/systemd/netif/leases/*; do
          [ -f "$lease" ] || continue
          python3 - "$lease" <<'PY' || true
        import os, socket, sys
        kv = dict(l.strip().split("=", 1) for l in open(sys.argv[1]) if "=" in l and not l.startswith("#"))
        ip, server, cid = kv["ADDRESS"], kv["SERVER_ADDRESS"], bytes.fromhex(kv.get("CLIENTID", ""))
        mac = cid[1:7] if len(cid) == 7 else bytes(6)
        packet = bytes([1, 1, 6, 0]) + os.urandom(4) + bytes(4) + socket.inet_aton(ip) + bytes(12) + mac + bytes(202)
        packet += bytes([99, 130, 83, 99, 53, 1, 7, 54, 4]) + socket.inet_aton(server)
        if cid:
            packet += bytes([61, len(cid)]) + cid
        packet += bytes([255])
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind((ip, 0))
        sock.sendto(packet, (server, 67))
        PY
        done
        if command -v ifdown >/dev/null 2>&1; then
          for nic in $(ls /sys/class/net); do [ "$nic" = lo ] || ifdown "$nic" 2>/dev/null; done
        fi
        true
        """

    /// The sandboxes of this manager's owner, with their state.
    public func list() async throws(SandboxError) -> [SandboxSummary] {
        var result: [SandboxSummary] = []
        for domain in try await domains.listDomains() {
            let xml: String?
            do {
                xml = try await domains.metadata(named: domain.name, namespaceURI: SandboxMetadata.namespaceURI)
            } catch  where error.code == .notFound {
                continue
            }
            guard let metadata = xml.flatMap(SandboxMetadata.init(metadataXML:)), metadata.owner == configuration.owner
            else { continue }
            result.append(
                SandboxSummary(
                    name: domain.name, uuid: domain.uuid, state: domain.state, baseVM: metadata.baseVM,
                    createdAt: metadata.createdAt, agentID: metadata.agentID, ttlSeconds: metadata.ttlSeconds,
                    jobDirectory: metadata.jobDirectory, tenant: metadata.tenant, ssh: metadata.ssh))
        }
        return result.sorted { $0.name < $1.name }
    }
}

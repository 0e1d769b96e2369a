import Foundation

/// The stages of a create (see ``SandboxManager/create(_:progress:)``), each taking the value of
/// the stage before and recording in a ``CreateRollback`` what it made.
extension SandboxManager {
    /// Plan: the base (present, shut off, a file-backed disk in the format it declares), the
    /// NICs with reserved MACs, their reservations checked, the filter, the domain type and how
    /// the job folder is shared with QEMU. Makes nothing but the MAC reservations.
    func plan(name: SandboxName, request: SandboxRequest, made: inout CreateRollback)
        async throws(SandboxError) -> CreatePlan
    {
        guard let baseSummary = try await domains.domain(named: request.baseVM) else {
            throw SandboxError(.notFound, "base VM \(ValueChecks.quoted(request.baseVM)) does not exist")
        }
        guard baseSummary.state == .shutOff else {
            throw SandboxError(
                .invalidBase,
                "base VM \(request.baseVM) is \(baseSummary.state); it must be shut off (an overlay on a disk in use corrupts)"
            )
        }
        let base = try BaseVM(try await domains.domainDescription(named: request.baseVM, inactive: true))
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

        let filter = try await networkFilterName()
        let nics = request.nics.isEmpty ? [SandboxNIC()] : request.nics
        made.macs = try await reserveMACs(nics.map(\.mac))
        let defaultSource = request.network ?? base.nicSource ?? configuration.defaultNetwork
        let interfaces = zip(nics, made.macs).enumerated().map { index, pair in
            let (nic, mac) = pair
            var fixed: [IPInterfaceAddress] = []
            if case .fixed(let address, _) = nic.ipv4 { fixed.append(address) }
            if case .fixed(let address, _) = nic.ipv6 { fixed.append(address) }
            return Sandbox.Interface(
                name: "eth\(index)", mac: mac, source: nic.network ?? defaultSource, fixedAddresses: fixed,
                reservedIPv4: nic.reservedIPv4)
        }
        try await checkReservations(interfaces)

        let virtType = request.virtType ?? DomainSpec.VirtType(rawValue: base.virtType) ?? .qemu
        let access = JobFolderAccess.decide(
            configuredMode: configuration.jobFolderPermissions, qemu: await qemuIdentity(virtType: virtType))
        let hostname: Hostname
        if let requested = request.hostname { hostname = requested } else { hostname = try name.defaultHostname }
        return CreatePlan(
            name: name, request: request, base: base, backing: backing, nics: nics, interfaces: interfaces,
            filter: filter, virtType: virtType, hostname: hostname, access: access,
            paths: JobPaths(folder: made.jobDirectory))
    }

    /// Prepared: the job folder (mkdir is the cross-process lock on the name) with its creation
    /// record, the overlay on the base's disk, the sandbox's own seed (never the base's) and, for
    /// a UEFI base, its variable store; each handed to QEMU's user when it is not root.
    func prepare(_ plan: CreatePlan, made: inout CreateRollback, reporter: inout CreateReporter)
        async throws(SandboxError) -> PreparedSandbox
    {
        let paths = plan.paths
        try makeJobDirectory(paths.folder, name: plan.name, access: plan.access)
        made.madeJobDirectory = true
        // Ownership is on disk before anything else is made; reconcile() finds what a killed create left.
        try CreationRecord.current(owner: configuration.owner).write(in: paths.folder)
        await reporter.reached(.jobFolder)

        try Qcow2Overlay.create(at: paths.overlay, backing: plan.backing)
        try plan.access.handOver(paths.overlay)
        try Self.checkCancellation(stage: "overlay")
        await reporter.reached(.overlay)

        let request = plan.request
        let network = NetworkConfig(
            ethernets: zip(plan.nics, plan.interfaces).map { $0.ethernet(interfaceName: $1.name, mac: $1.mac) })
        let seed = CloudInitSeed(
            instanceID: plan.name.value, hostname: plan.hostname, network: network, userData: request.userData,
            customNetworkConfig: request.customNetworkConfig, format: request.seedFormat)
        do {
            try seedWriter(seed, paths.seed, paths.folder)
        } catch {
            throw SandboxError(
                .seedBuildFailed, "cannot build the seed of \(plan.name): \(error.message)",
                underlying: error.underlying)
        }
        try plan.access.handOver(paths.seed)
        try Self.checkCancellation(stage: "seed")
        await reporter.reached(.seed)

        let nvramPath = try Self.prepareNVRAM(base: plan.base, jobDirectory: paths.folder)
        if let nvramPath, FileManager.default.fileExists(atPath: nvramPath) { try plan.access.handOver(nvramPath) }
        return PreparedSandbox(plan: plan, nvramPath: nvramPath)
    }

    /// Defined: the domain XML rendered from the plan (isolation and limits applied), defined, and
    /// the NICs' DHCP reservations added to their networks.
    func define(_ prepared: PreparedSandbox, made: inout CreateRollback) async throws(SandboxError)
        -> DefinedSandbox
    {
        let plan = prepared.plan
        let createdAt = Int64(Date().timeIntervalSince1970)
        let spec = domainSpec(prepared, createdAt: createdAt)
        let xml = try DomainXMLRenderer().render(spec)
        let summary = try await domains.define(xml: xml)
        made.defined = true
        macsByDomain[summary.uuid] = Set(made.macs)
        for interface in plan.interfaces {
            guard let address = interface.reservedIPv4, case .network(let networkName) = interface.source else {
                continue
            }
            let host = XMLTree("host", [("mac", interface.mac.description), ("ip", address.description)]).render()
            try await domains.updateDHCPHost(network: networkName, hostXML: host, add: true)
            made.dhcpHosts.append((networkName, host))
        }
        try Self.checkCancellation(stage: "define")
        return DefinedSandbox(
            prepared: prepared, spec: spec, uuid: summary.uuid, state: summary.state, createdAt: createdAt)
    }

    /// The domain of a prepared sandbox: the base's machine, boot (tuned for emulation when asked),
    /// CPU, memory and vCPUs unless the request overrides them; the job folder's files; the NICs;
    /// the metadata that makes it this owner's sandbox.
    private func domainSpec(_ prepared: PreparedSandbox, createdAt: Int64) -> DomainSpec {
        let plan = prepared.plan
        let (base, request, virtType) = (plan.base, plan.request, plan.virtType)
        let boot =
            request.tuneEmulatedKernel
            ? EmulatedKernelTuning.tuned(base.boot, arch: base.arch, virtType: virtType) : base.boot
        if boot != base.boot {
            logger.debug(
                "emulated guest: kernel arguments added",
                metadata: [
                    "sandbox": "\(plan.name)",
                    "arguments": "\(EmulatedKernelTuning.arguments(arch: base.arch, virtType: virtType))",
                ])
        }
        let interfaces = plan.interfaces
        var spec = DomainSpec(
            name: plan.name, uuid: UUID(), memoryMiB: request.memoryMiB ?? base.memoryMiB,
            vcpus: request.vcpus ?? base.vcpus, virtType: virtType, arch: base.arch, machine: base.machine,
            cpu: request.cpu ?? (virtType.rawValue == base.virtType ? base.cpu : nil), boot: boot,
            nvramPath: prepared.nvramPath, disk: .init(path: plan.paths.overlay, format: .qcow2),
            seedISOPath: plan.paths.seed,
            nic: .init(source: interfaces[0].source, mac: interfaces[0].mac, filter: plan.filter),
            serialLogPath: plan.paths.console, emulator: base.emulator,
            metadata: SandboxMetadata(
                owner: configuration.owner, baseVM: request.baseVM, createdAt: createdAt, agentID: request.agentID,
                ttlSeconds: request.ttlSeconds, jobDirectory: plan.paths.folder, tenant: request.tenant,
                ssh: request.sshEndpoint, expectedBootSeconds: base.expectedBootSeconds))
        spec.extraNICs = interfaces.dropFirst().map { .init(source: $0.source, mac: $0.mac, filter: plan.filter) }
        applyIsolation(to: &spec, interfaces: interfaces)
        return spec
    }

    /// Started: the domain running, in the state libvirt reports right after.
    func start(_ defined: DefinedSandbox) async throws(SandboxError) -> StartedSandbox {
        try await domains.start(named: defined.plan.name.value)
        let state = try await domains.state(named: defined.plan.name.value)
        return StartedSandbox(defined: defined, state: state)
    }
}

/// The values a create passes from stage to stage (see ``SandboxManager/create(_:progress:)``):
/// each holds what the stages before it found, so no later stage looks anything up again.
/// plan → prepared → defined → started → (addressed: the ``Sandbox`` returned).

/// Where a sandbox's files live: `<jobsRoot>/<name>/…` (see ``SandboxManager/JobFile``).
struct JobPaths: Sendable, Hashable {
    var folder: String
    var overlay: String { folder + "/" + SandboxManager.JobFile.overlay }
    var seed: String { folder + "/" + SandboxManager.JobFile.seed }
    var console: String { folder + "/" + SandboxManager.JobFile.console }
}

/// A checked request and everything read to carry it out: the base and its disk, the NICs with
/// their MACs (reserved) and networks, the filter, the domain type, how the job folder is shared
/// with QEMU. Nothing is made yet.
struct CreatePlan: Sendable {
    var name: SandboxName
    var request: SandboxRequest
    var base: BaseVM
    var backing: DiskImageInfo
    /// The requested NICs (one default NIC when the request names none), in order.
    var nics: [SandboxNIC]
    /// The sandbox's interfaces, one per NIC, with their MACs and sources.
    var interfaces: [Sandbox.Interface]
    var filter: String?
    var virtType: DomainSpec.VirtType
    var hostname: Hostname
    var access: JobFolderAccess
    var paths: JobPaths
}

/// The plan with its files written: job folder, overlay, seed, UEFI variables.
struct PreparedSandbox: Sendable {
    var plan: CreatePlan
    var nvramPath: String?
}

/// The sandbox's domain, defined from the prepared files (DHCP reservations added).
struct DefinedSandbox: Sendable {
    var prepared: PreparedSandbox
    var spec: DomainSpec
    var uuid: String
    var state: DomainState
    var createdAt: Int64
    var plan: CreatePlan { prepared.plan }

    /// What a wait for the first NIC's address needs, from what the create made.
    var discoveryTarget: DiscoveryTarget {
        let interface = plan.interfaces[0]
        var network: String?
        if case .network(let name) = interface.source { network = name }
        return DiscoveryTarget(
            domain: plan.name.value, mac: interface.mac, network: network, jobDirectory: plan.paths.folder,
            seedPath: plan.paths.seed, consoleLogPath: plan.paths.console, virtType: spec.virtType.rawValue,
            arch: spec.arch.rawValue, expectedBootSeconds: plan.base.expectedBootSeconds)
    }

    /// The sandbox as the caller sees it, in `state`, with `address` when it is known.
    func sandbox(state: DomainState, address: String?) -> Sandbox {
        let request = plan.request
        return Sandbox(
            name: plan.name, uuid: uuid, mac: plan.interfaces[0].mac, baseVM: request.baseVM,
            jobDirectory: plan.paths.folder, overlayPath: plan.paths.overlay, seedISOPath: plan.paths.seed,
            consoleLogPath: plan.paths.console, state: state, createdAt: createdAt, agentID: request.agentID,
            ttlSeconds: request.ttlSeconds, ipAddress: address, interfaces: plan.interfaces, tenant: request.tenant,
            ssh: request.sshEndpoint)
    }
}

/// The defined sandbox, started.
struct StartedSandbox: Sendable {
    var defined: DefinedSandbox
    var state: DomainState
}

/// What a create has made so far, so that a failure removes exactly that; each stage adds to it
/// as it makes something.
struct CreateRollback: Sendable {
    var jobDirectory: String
    var madeJobDirectory = false
    var defined = false
    var macs: [MACAddress] = []
    /// DHCP host entries added to networks: (network, `<host …/>`).
    var dhcpHosts: [(network: String, xml: String)] = []
}

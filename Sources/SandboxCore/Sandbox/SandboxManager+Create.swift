import Foundation

extension SandboxManager {
    /// Creates a sandbox from `request.baseVM` and starts it unless `autoStart` is false.
    ///
    /// The create runs in typed stages, each handing the next what it found (see
    /// `CreateStages.swift`): plan (the request checked, the base read, MACs reserved) → prepared
    /// (job folder, overlay, seed) → defined → started → addressed. Each stage is reported once as
    /// a ``CreateStage``; a failure removes what the stages reached had made.
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

    /// Calls `observer` after each ``CreateStage`` of every create, on the manager, before the
    /// next stage begins: a create waits for it. For logging, progress, and crash-safety tests that
    /// stop a process at a stage (see ``CreateStage/checkpoints``).
    public func setCreateStageObserver(_ observer: (@Sendable (CreateStage, SandboxName) async -> Void)?) {
        stageObserver = observer
    }

    private func transactionalCreate(_ request: SandboxRequest, progress: (@Sendable (CreateProgress) -> Void)?)
        async throws(SandboxError) -> Sandbox
    {
        try checkRequest(request)
        let name = try await reserveName(request.name)
        defer { pendingNames.remove(name.value) }
        var made = CreateRollback(jobDirectory: configuration.jobsRoot + "/" + name.value)
        defer { pendingMACs.subtract(made.macs) }
        var reporter = CreateReporter(
            name: name, progress: progress, observer: stageObserver, metrics: metrics, logger: logger)
        do {
            let plan = try await plan(name: name, request: request, made: &made)
            await reporter.reached(.base)
            let prepared = try await prepare(plan, made: &made, reporter: &reporter)
            let defined = try await define(prepared, made: &made)
            knownTargets[name.value] = defined.discoveryTarget
            await reporter.reached(.define)
            guard request.autoStart else {
                return try finish(defined.sandbox(state: defined.state, address: nil), made)
            }
            let started = try await start(defined)
            await reporter.reached(.start)
            guard request.waitForIP else {
                return try finish(defined.sandbox(state: started.state, address: nil), made)
            }
            let address = try await waitForIP(
                of: defined.discoveryTarget, timeout: request.ipTimeout, observer: reporter.waitObserver)
            await reporter.reached(.ip)
            return try finish(defined.sandbox(state: started.state, address: address.address), made)
        } catch {
            // Failing before anything was made is the caller's to report; a rollback is worth a warning.
            logger.log(
                level: made.madeJobDirectory ? .warning : .debug, "create failed, rolling back",
                metadata: ["sandbox": "\(name)", "error": "\(error)"])
            knownTargets[name.value] = nil
            await rollBack(made, name: name)
            throw error
        }
    }

    /// The create is done: its creation record goes (the domain's metadata owns the sandbox now).
    private func finish(_ sandbox: Sandbox, _ made: CreateRollback) throws(SandboxError) -> Sandbox {
        try Self.checkCancellation(stage: "after start")
        CreationRecord.remove(in: made.jobDirectory)
        return sandbox
    }

    /// Checks the request and the configuration before anything is asked or made.
    private func checkRequest(_ request: SandboxRequest) throws(SandboxError) {
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
    }

    func rollBack(_ made: CreateRollback, name: SandboxName) async {
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

    static func checkCancellation(stage: String) throws(SandboxError) {
        if Task.isCancelled {
            throw SandboxError(.cancelled, "create was cancelled (\(stage)); everything it made was removed")
        }
    }
}

import Foundation

extension SandboxManager {
    /// What a wait for the sandbox's address needs: for a sandbox this manager made, what the
    /// create knew (no call); otherwise read with one fetch of its persistent XML (its metadata is
    /// in there): its first NIC, that NIC's network, its job folder's files, its type and
    /// architecture, and the base's expected boot time recorded at create.
    ///
    /// - Parameter askingBase: when the sandbox's metadata records no expected boot time (made
    ///   before it was recorded, or from a base without hints), ask the base for it (one more call).
    public func discoveryTarget(of name: SandboxName, askingBase: Bool = false) async throws(SandboxError)
        -> DiscoveryTarget
    {
        if let known = knownTargets[name.value] { return known }
        let domain: DomainDescription
        do {
            domain = try await domains.domainDescription(named: name.value, inactive: true)
        } catch  where error.code == .notFound {
            throw SandboxError(.notFound, "sandbox \(name) does not exist")
        }
        guard let nic = domain.interfaces.first, let mac = MACAddress(nic.mac) else {
            throw SandboxError(.invalidArgument, "sandbox \(name) has no NIC")
        }
        let job = domain.sandbox?.jobDirectory ?? configuration.jobsRoot + "/" + name.value
        var expected = domain.sandbox?.expectedBootSeconds
        if askingBase, expected == nil, let base = domain.sandbox?.baseVM {
            expected = try? await BaseVMHints.expectedBootSeconds(ofBase: base, domains: domains)
        }
        return DiscoveryTarget(
            domain: name.value, mac: mac, network: nic.type == "network" ? nic.network : nil,
            jobDirectory: job, seedPath: job + "/" + JobFile.seed, consoleLogPath: job + "/" + JobFile.console,
            virtType: domain.virtType, arch: domain.arch, expectedBootSeconds: expected)
    }

    func waiter(observer: (@Sendable (IPWaitProgress) -> Void)? = nil) -> IPWaiter {
        IPWaiter(
            domains: domains, sources: configuration.discoverySources, leaseWatcher: leaseWatcher, observer: observer,
            logger: logger)
    }

    /// The sandbox's best IP address now, or nil when no source knows one yet. Does not wait.
    public func ipAddress(of name: SandboxName) async throws(SandboxError) -> DiscoveredAddress? {
        try await waiter().currentAddress(try await discoveryTarget(of: name))
    }

    /// The timeout a wait for this sandbox's address gets, and why: the configured base scaled
    /// for emulation and raised to the base VM's declared boot time.
    public func effectiveTimeout(of name: SandboxName) async throws(SandboxError) -> EffectiveTimeout {
        try await discoveryTarget(of: name, askingBase: true).effectiveTimeout(configuration.discoveryTimeout)
    }

    /// Waits until the sandbox has an IP address. `timeout` nil uses ``effectiveTimeout(of:)``.
    /// On timeout the error is `.timeout` with a ``Diagnosis`` that names the stalled stage.
    ///
    /// Woken by the domain's lifecycle events and by the manager's ``leaseWatcher`` (the address
    /// is known within about 50 ms of the lease existing), polling all sources besides.
    ///
    /// - Parameter observer: called on the waiting task with what the wait is doing.
    public func waitForIP(
        of name: SandboxName, timeout: Duration? = nil, observer: (@Sendable (IPWaitProgress) -> Void)? = nil
    ) async throws(SandboxError) -> DiscoveredAddress {
        let target = try await discoveryTarget(of: name, askingBase: timeout == nil)
        return try await waitForIP(of: target, timeout: timeout, observer: observer)
    }

    /// Waits for the target's address (see ``waitForIP(of:timeout:observer:)``), reading nothing
    /// from libvirt beyond what the wait's sources ask.
    func waitForIP(
        of target: DiscoveryTarget, timeout: Duration?, observer: (@Sendable (IPWaitProgress) -> Void)?
    ) async throws(SandboxError) -> DiscoveredAddress {
        let effective = timeout.map(EffectiveTimeout.fixed) ?? target.effectiveTimeout(configuration.discoveryTimeout)
        let clock = ContinuousClock()
        let start = clock.now
        do {
            let address = try await waiter(observer: observer).waitForIP(target, timeout: effective)
            metrics.ipWait(clock.now - start, result: "ok")
            return address
        } catch {
            metrics.ipWait(clock.now - start, result: error.code == .timeout ? "timeout" : "failed")
            throw error
        }
    }

    /// Why the sandbox has (or has no) address: state, NIC counters, seed, leases, agent, console,
    /// the network's health, and the host around it (``HostResources``).
    public func diagnose(_ name: SandboxName) async throws(SandboxError) -> Diagnosis {
        let target = try await discoveryTarget(of: name)
        var diagnosis = await Diagnoser(domains: domains, sources: configuration.discoverySources).diagnose(
            domain: name.value, mac: target.mac, network: target.network, seedPath: target.seedPath,
            consoleLogPath: target.consoleLogPath)
        diagnosis.host = await HostResources.gather(
            domains: domains, sandbox: name.value, mac: target.mac,
            jobDirectory: target.jobDirectory ?? configuration.jobsRoot + "/" + name.value)
        return diagnosis
    }
}

import Foundation

extension SandboxManager {
    /// The sandbox's MAC (its first NIC) and job folder, read from its live XML and metadata.
    func facts(of name: SandboxName) async throws(SandboxError) -> (mac: MACAddress, jobDirectory: String) {
        guard try await domains.domain(named: name.value) != nil else {
            throw SandboxError(.notFound, "sandbox \(name) does not exist")
        }
        let xml = try await domains.domainXML(named: name.value, inactive: false, secure: false)
        guard let mac = Self.firstMAC(in: xml) else {
            throw SandboxError(.invalidArgument, "sandbox \(name) has no NIC")
        }
        let metadata = try await domains.metadata(named: name.value, namespaceURI: SandboxMetadata.namespaceURI)
            .flatMap(SandboxMetadata.init(metadataXML:))
        return (mac, metadata?.jobDirectory ?? configuration.jobsRoot + "/" + name.value)
    }

    static func firstMAC(in xml: String) -> MACAddress? { DomainDescription(xml: xml)?.firstMAC }

    func waiter(observer: (@Sendable (IPWaitProgress) -> Void)? = nil) -> IPWaiter {
        IPWaiter(
            domains: domains, sources: configuration.discoverySources, leaseWatcher: leaseWatcher, observer: observer,
            logger: logger)
    }

    /// The sandbox's best IP address now, or nil when no source knows one yet. Does not wait.
    public func ipAddress(of name: SandboxName) async throws(SandboxError) -> DiscoveredAddress? {
        let facts = try await facts(of: name)
        return try await waiter().currentAddress(domain: name.value, mac: facts.mac)
    }

    /// The timeout a wait for this sandbox's address gets, and why: the configured base scaled
    /// for emulation and raised to the base VM's declared boot time.
    public func effectiveTimeout(of name: SandboxName) async throws(SandboxError) -> EffectiveTimeout {
        let metadata = try await domains.metadata(named: name.value, namespaceURI: SandboxMetadata.namespaceURI)
            .flatMap(SandboxMetadata.init(metadataXML:))
        return try await configuration.discoveryTimeout.effective(
            domain: name.value, domains: domains, baseVM: metadata?.baseVM)
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
        let facts = try await facts(of: name)
        let effective: EffectiveTimeout
        if let timeout { effective = .fixed(timeout) } else { effective = try await effectiveTimeout(of: name) }
        let clock = ContinuousClock()
        let start = clock.now
        do {
            let address = try await waiter(observer: observer).waitForIP(
                domain: name.value, mac: facts.mac, timeout: effective,
                seedPath: facts.jobDirectory + "/" + JobFile.seed,
                consoleLogPath: facts.jobDirectory + "/" + JobFile.console)
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
        let facts = try await facts(of: name)
        var diagnosis = await Diagnoser(domains: domains, sources: configuration.discoverySources).diagnose(
            domain: name.value, mac: facts.mac, seedPath: facts.jobDirectory + "/" + JobFile.seed,
            consoleLogPath: facts.jobDirectory + "/" + JobFile.console)
        diagnosis.host = await HostResources.gather(
            domains: domains, sandbox: name.value, mac: facts.mac, jobDirectory: facts.jobDirectory)
        return diagnosis
    }
}

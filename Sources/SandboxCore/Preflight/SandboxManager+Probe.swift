import Foundation

extension SandboxManager {
    /// Boots one throwaway clone of base VM `name` and reports what happened in it: the time from
    /// create to address, whether cloud-init finished and with which datasource and network
    /// renderer, earlier instance ids on the disk, and network configuration files bound to a MAC
    /// that is not the clone's. When `storeExpectedBootTime` is set, the measured create-to-address
    /// time (rounded up to a whole second) is stored in the base's metadata
    /// (``BaseVMHints``), where ``DiscoveryTimeout`` and ``validateBase(_:)`` read it.
    ///
    /// The clone is destroyed before this returns, whatever happened. Needs the guest agent for
    /// everything but the boot time.
    ///
    /// - Throws: what a create throws (a clone that never gets an address is a `.timeout` with its
    ///   diagnosis), `.cancelled`.
    public func probeBase(_ name: String, timeout: Duration? = nil, storeExpectedBootTime: Bool = true)
        async throws(SandboxError) -> BaseProbeReport
    {
        let clock = ContinuousClock()
        let start = clock.now
        let sandbox = try await create(
            SandboxRequest(baseVM: name, waitForIP: true, ipTimeout: timeout, agentID: "preflight-probe"))
        let elapsed = (clock.now - start).components
        let toIP = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
        var report = BaseProbeReport(
            base: name, sandbox: sandbox.name.value, createToIPSeconds: toIP, ipAddress: sandbox.ipAddress,
            cloudInit: nil, renderer: nil, earlierInstanceIDs: [], macBoundFiles: [], storedExpectedBootSeconds: nil,
            findings: [])
        do {
            try await inspect(sandbox, into: &report, budget: timeout ?? .seconds(600))
            if storeExpectedBootTime {
                let seconds = min(max(Int(toIP.rounded(.up)), 1), BaseVMHints.maxExpectedBootSeconds)
                try await domains.setMetadata(
                    named: name, namespaceURI: BaseVMHints.namespaceURI, prefix: BaseVMHints.namespacePrefix,
                    xml: BaseVMHints.elementXML(expectedBootSeconds: seconds))
                report.storedExpectedBootSeconds = seconds
            }
        } catch {
            try? await destroy(sandbox.name)
            throw error
        }
        try await destroy(sandbox.name)
        return report
    }

    private func inspect(_ sandbox: Sandbox, into report: inout BaseProbeReport, budget: Duration)
        async throws(SandboxError)
    {
        let agent = GuestAgentClient(domains: domains, domain: sandbox.name.value)
        var answered = true
        do {
            try await waitForAgent(of: sandbox.name, timeout: budget)
        } catch  where error.code == .timeout || error.code == .agentUnavailable {
            answered = false
        }
        if answered {
            // cloud-init's last stage may still run when the address is known.
            let clock = ContinuousClock()
            let deadline = clock.now + budget
            while clock.now < deadline {
                if let result = try await agent.cloudInitResult() {
                    report.cloudInit = result
                    break
                }
                try await agent.pause(for: .seconds(2), "waiting for cloud-init")
            }
            let output = try await agent.run(BaseProbeReport.script)
            let macs = Set(sandbox.interfaces.map(\.mac) + [sandbox.mac])
            let facts = BaseProbeReport.parse(output.stdout, sandbox: sandbox.name.value, macs: macs)
            report.renderer = facts.renderer
            report.earlierInstanceIDs = facts.earlier
            report.macBoundFiles = facts.macBound
        }
        report.findings = BaseProbeReport.findings(
            cloudInit: report.cloudInit, renderer: report.renderer, earlier: report.earlierInstanceIDs,
            macBound: report.macBoundFiles, createToIPSeconds: report.createToIPSeconds, agentAnswered: answered)
    }
}

extension SandboxManager {
    /// The guest agent of a sandbox: run commands, move files, read cloud-init's result.
    public func agent(for name: SandboxName) -> GuestAgentClient {
        GuestAgentClient(domains: domains, domain: name.value)
    }

    /// How far a sandbox has come: an address, the guest agent answering, cloud-init finished.
    public struct Readiness: Sendable, Hashable, Codable {
        public var ipAddress: String?
        public var agentAnswers: Bool
        /// nil while cloud-init has not finished (or the agent does not answer).
        public var cloudInit: CloudInitResult?
        /// Address, agent and a successful cloud-init.
        public var isReady: Bool { ipAddress != nil && agentAnswers && cloudInit?.succeeded == true }
    }

    /// The sandbox's readiness now; does not wait.
    public func readiness(of name: SandboxName) async throws(SandboxError) -> Readiness {
        let address = try await ipAddress(of: name)?.address
        let agent = agent(for: name)
        guard await agent.ping() else { return Readiness(ipAddress: address, agentAnswers: false, cloudInit: nil) }
        let result = (try? await agent.cloudInitResult()) ?? nil
        if let result, cloudInitCounted.insert(name.value).inserted { metrics.cloudInit(succeeded: result.succeeded) }
        return Readiness(ipAddress: address, agentAnswers: true, cloudInit: result)
    }
}

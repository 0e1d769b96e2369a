extension SandboxManager {
    /// The SSH login and pinned host keys recorded for the sandbox (``SSHEndpoint``); nil when its
    /// seed installed no host keys. `.notFound` when there is no such sandbox.
    public func sshEndpoint(of name: SandboxName) async throws(SandboxError) -> SSHEndpoint? {
        guard try await domains.domain(named: name.value) != nil else {
            throw SandboxError(.notFound, "sandbox \(name) does not exist")
        }
        return try await domains.metadata(named: name.value, namespaceURI: SandboxMetadata.namespaceURI)
            .flatMap(SandboxMetadata.init(metadataXML:))?.ssh
    }
}

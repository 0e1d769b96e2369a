import SandboxCore

/// A ``DomainManager`` test double without libvirt networks, network filters, metadata writes
/// or disk sizes: those calls answer "none here" (`false`, an empty `<capabilities/>`, a small
/// fixed host, or `.notFound`). A conformer implements the domain and agent calls it fakes.
///
/// The defaults hold no state, so they are safe from any thread.
public protocol NetworklessDomains: DomainManager {}

extension NetworklessDomains {
    public func networkFilterExists(named name: String) async throws(SandboxError) -> Bool { false }
    public func setMetadata(named name: String, namespaceURI: String, prefix: String, xml: String?)
        async throws(SandboxError)
    {
        throw SandboxError(.notFound, "no domain \(name) here")
    }
    public func networkXML(named name: String) async throws(SandboxError) -> String {
        throw SandboxError(.notFound, "no network \(name) here")
    }
    public func updateDHCPHost(network: String, hostXML: String, add: Bool) async throws(SandboxError) {
        throw SandboxError(.notFound, "no network \(network) here")
    }
    public func capabilitiesXML() async throws(SandboxError) -> String { "<capabilities/>" }
    public func networkIsActive(named name: String) async throws(SandboxError) -> Bool {
        throw SandboxError(.notFound, "no network \(name) here")
    }
    public func nodeResources() async throws(SandboxError) -> NodeResources {
        NodeResources(cpus: 2, memoryKiB: 8 << 20, freeMemoryBytes: 4 << 30)
    }
    public func blockInfo(named name: String, disk: String) async throws(SandboxError) -> DiskBlockInfo {
        throw SandboxError(.notFound, "no disk \(disk) of \(name) here")
    }
}

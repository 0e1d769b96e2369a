@testable import SandboxCore

/// Fakes without libvirt networks, filters, metadata writes or disk sizes: the calls answer "none here".
/// Only for test doubles — `LibvirtConnection` implements these itself.
protocol NetworklessDomains: DomainManager {}

extension NetworklessDomains {
    func networkFilterExists(named name: String) async throws(SandboxError) -> Bool { false }
    func setMetadata(named name: String, namespaceURI: String, prefix: String, xml: String?) async throws(SandboxError)
    {
        throw SandboxError(.notFound, "no domain \(name) here")
    }
    func networkXML(named name: String) async throws(SandboxError) -> String {
        throw SandboxError(.notFound, "no network \(name) here")
    }
    func updateDHCPHost(network: String, hostXML: String, add: Bool) async throws(SandboxError) {
        throw SandboxError(.notFound, "no network \(network) here")
    }
    func capabilitiesXML() async throws(SandboxError) -> String { "<capabilities/>" }
    func networkIsActive(named name: String) async throws(SandboxError) -> Bool {
        throw SandboxError(.notFound, "no network \(name) here")
    }
    func nodeResources() async throws(SandboxError) -> NodeResources {
        NodeResources(cpus: 2, memoryKiB: 8 << 20, freeMemoryBytes: 4 << 30)
    }
    func blockInfo(named name: String, disk: String) async throws(SandboxError) -> DiskBlockInfo {
        throw SandboxError(.notFound, "no disk \(disk) of \(name) here")
    }
}

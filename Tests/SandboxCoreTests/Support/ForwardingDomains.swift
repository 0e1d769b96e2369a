// Shared by the SandboxCoreTests and SandboxServerTests targets (a symlink in the latter).
import SandboxCore

/// A test double over a real ``DomainManager`` (usually `test:///default`) that forwards every
/// call to `inner`; a fake conforms and implements only the calls it changes (a failing define,
/// a scripted guest agent, made-up capabilities). Only for tests.
protocol ForwardingDomains: DomainManager {
    var inner: any DomainManager { get }
}

extension ForwardingDomains {
    func listDomains() async throws(SandboxError) -> [DomainSummary] { try await inner.listDomains() }
    func domain(named name: String) async throws(SandboxError) -> DomainSummary? { try await inner.domain(named: name) }
    func domainXML(named name: String, inactive: Bool, secure: Bool) async throws(SandboxError) -> String {
        try await inner.domainXML(named: name, inactive: inactive, secure: secure)
    }
    func define(xml: String) async throws(SandboxError) -> DomainSummary { try await inner.define(xml: xml) }
    func start(named name: String) async throws(SandboxError) { try await inner.start(named: name) }
    func shutdown(named name: String) async throws(SandboxError) { try await inner.shutdown(named: name) }
    func destroy(named name: String) async throws(SandboxError) { try await inner.destroy(named: name) }
    func undefine(named name: String) async throws(SandboxError) { try await inner.undefine(named: name) }
    func state(named name: String) async throws(SandboxError) -> DomainState { try await inner.state(named: name) }
    func interfaceStats(named name: String, device: String) async throws(SandboxError) -> InterfaceStats {
        try await inner.interfaceStats(named: name, device: device)
    }
    func interfaceAddresses(named name: String, source: AddressSource) async throws(SandboxError) -> [InterfaceAddress]
    {
        try await inner.interfaceAddresses(named: name, source: source)
    }
    func networkDHCPLeases(network: String, mac: String?) async throws(SandboxError) -> [NetworkDHCPLease] {
        try await inner.networkDHCPLeases(network: network, mac: mac)
    }
    func metadata(named name: String, namespaceURI: String) async throws(SandboxError) -> String? {
        try await inner.metadata(named: name, namespaceURI: namespaceURI)
    }
    func agentCommand(named name: String, command: String, timeoutSeconds: Int) async throws(SandboxError) -> String {
        try await inner.agentCommand(named: name, command: command, timeoutSeconds: timeoutSeconds)
    }
    func lifecycleEvents() async throws(SandboxError) -> AsyncStream<DomainLifecycleEvent> {
        try await inner.lifecycleEvents()
    }
    func networkFilterExists(named name: String) async throws(SandboxError) -> Bool {
        try await inner.networkFilterExists(named: name)
    }
    func networkXML(named name: String) async throws(SandboxError) -> String { try await inner.networkXML(named: name) }
    func setMetadata(named name: String, namespaceURI: String, prefix: String, xml: String?) async throws(SandboxError)
    {
        try await inner.setMetadata(named: name, namespaceURI: namespaceURI, prefix: prefix, xml: xml)
    }
    func updateDHCPHost(network: String, hostXML: String, add: Bool) async throws(SandboxError) {
        try await inner.updateDHCPHost(network: network, hostXML: hostXML, add: add)
    }
    func capabilitiesXML() async throws(SandboxError) -> String { try await inner.capabilitiesXML() }
    func networkIsActive(named name: String) async throws(SandboxError) -> Bool {
        try await inner.networkIsActive(named: name)
    }
    func nodeResources() async throws(SandboxError) -> NodeResources { try await inner.nodeResources() }
    func blockInfo(named name: String, disk: String) async throws(SandboxError) -> DiskBlockInfo {
        try await inner.blockInfo(named: name, disk: disk)
    }
}

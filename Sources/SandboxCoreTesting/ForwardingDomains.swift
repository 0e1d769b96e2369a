import SandboxCore

/// A ``DomainManager`` over another one (usually a `test:///default` connection) that forwards
/// every call to ``inner``: a test double conforms and implements only the calls it changes (a
/// failing define, a scripted guest agent, made-up capabilities), the rest reach `inner` as they are.
///
/// The forwarding adds no state and no locking, so a conformer is as thread-safe as its own
/// overrides and `inner` (``LibvirtConnection`` is).
public protocol ForwardingDomains: DomainManager {
    /// The manager every call not implemented by the conformer goes to.
    var inner: any DomainManager { get }
}

extension ForwardingDomains {
    public func listDomains() async throws(SandboxError) -> [DomainSummary] { try await inner.listDomains() }
    public func domain(named name: String) async throws(SandboxError) -> DomainSummary? {
        try await inner.domain(named: name)
    }
    public func domainXML(named name: String, inactive: Bool, secure: Bool) async throws(SandboxError) -> String {
        try await inner.domainXML(named: name, inactive: inactive, secure: secure)
    }
    public func define(xml: String) async throws(SandboxError) -> DomainSummary { try await inner.define(xml: xml) }
    public func start(named name: String) async throws(SandboxError) { try await inner.start(named: name) }
    public func shutdown(named name: String) async throws(SandboxError) { try await inner.shutdown(named: name) }
    public func destroy(named name: String) async throws(SandboxError) { try await inner.destroy(named: name) }
    public func undefine(named name: String) async throws(SandboxError) { try await inner.undefine(named: name) }
    public func state(named name: String) async throws(SandboxError) -> DomainState {
        try await inner.state(named: name)
    }
    public func interfaceStats(named name: String, device: String) async throws(SandboxError) -> InterfaceStats {
        try await inner.interfaceStats(named: name, device: device)
    }
    public func interfaceAddresses(named name: String, source: AddressSource) async throws(SandboxError)
        -> [InterfaceAddress]
    {
        try await inner.interfaceAddresses(named: name, source: source)
    }
    public func networkDHCPLeases(network: String, mac: String?) async throws(SandboxError) -> [NetworkDHCPLease] {
        try await inner.networkDHCPLeases(network: network, mac: mac)
    }
    public func metadata(named name: String, namespaceURI: String) async throws(SandboxError) -> String? {
        try await inner.metadata(named: name, namespaceURI: namespaceURI)
    }
    public func agentCommand(named name: String, command: String, timeoutSeconds: Int) async throws(SandboxError)
        -> String
    {
        try await inner.agentCommand(named: name, command: command, timeoutSeconds: timeoutSeconds)
    }
    public func lifecycleEvents() async throws(SandboxError) -> AsyncStream<DomainLifecycleEvent> {
        try await inner.lifecycleEvents()
    }
    public func networkFilterExists(named name: String) async throws(SandboxError) -> Bool {
        try await inner.networkFilterExists(named: name)
    }
    public func networkXML(named name: String) async throws(SandboxError) -> String {
        try await inner.networkXML(named: name)
    }
    public func setMetadata(named name: String, namespaceURI: String, prefix: String, xml: String?)
        async throws(SandboxError)
    {
        try await inner.setMetadata(named: name, namespaceURI: namespaceURI, prefix: prefix, xml: xml)
    }
    public func updateDHCPHost(network: String, hostXML: String, add: Bool) async throws(SandboxError) {
        try await inner.updateDHCPHost(network: network, hostXML: hostXML, add: add)
    }
    public func capabilitiesXML() async throws(SandboxError) -> String { try await inner.capabilitiesXML() }
    public func networkIsActive(named name: String) async throws(SandboxError) -> Bool {
        try await inner.networkIsActive(named: name)
    }
    public func nodeResources() async throws(SandboxError) -> NodeResources { try await inner.nodeResources() }
    public func blockInfo(named name: String, disk: String) async throws(SandboxError) -> DiskBlockInfo {
        try await inner.blockInfo(named: name, disk: disk)
    }
}

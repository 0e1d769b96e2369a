import SandboxCore
import Synchronization

/// A ``DomainManager`` that forwards every call to ``inner`` and counts the calls per method: how
/// many libvirt round trips (and XML fetches) an operation costs.
///
/// Thread-safe: the counts sit behind a `Mutex`, so concurrent calls are all counted. A failing
/// call counts too.
public final class CountingDomains: DomainManager {
    /// The ``DomainManager`` methods, one case each.
    public enum Call: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        case listDomains, domain, domainXML, define, start, shutdown, destroy, undefine, state
        case interfaceStats, interfaceAddresses, networkDHCPLeases, metadata, agentCommand, lifecycleEvents
        case networkFilterExists, networkXML, setMetadata, updateDHCPHost, capabilitiesXML, networkIsActive
        case nodeResources, blockInfo

        public var description: String { rawValue }
    }

    /// The manager every call goes to.
    public let inner: any DomainManager
    private let tally = Mutex<[Call: Int]>([:])

    public init(_ inner: any DomainManager) {
        self.inner = inner
    }

    /// The calls made since creation or the last ``reset()``; methods not called are absent.
    public var counts: [Call: Int] { tally.withLock { $0 } }

    /// How often `call` was made.
    public func count(_ call: Call) -> Int { tally.withLock { $0[call, default: 0] } }

    /// All calls together.
    public var total: Int { tally.withLock { $0.values.reduce(0, +) } }

    /// Forgets every count.
    public func reset() { tally.withLock { $0 = [:] } }

    /// Every method with its count, one per line in declaration order, then the total: a table to
    /// print.
    public var table: String {
        let counts = self.counts
        let width = Call.allCases.map(\.rawValue.count).max() ?? 0
        func row(_ label: String, _ value: Int) -> String {
            label + String(repeating: " ", count: width - label.count) + "  " + String(value)
        }
        let rows = Call.allCases.map { row($0.rawValue, counts[$0, default: 0]) }
        return (rows + [row("total", counts.values.reduce(0, +))]).joined(separator: "\n")
    }

    private func counted<T>(_ call: Call, _ body: () async throws(SandboxError) -> T) async throws(SandboxError)
        -> T
    {
        tally.withLock { $0[call, default: 0] += 1 }
        return try await body()
    }

    public func listDomains() async throws(SandboxError) -> [DomainSummary] {
        try await counted(.listDomains) { () async throws(SandboxError) in try await inner.listDomains() }
    }
    public func domain(named name: String) async throws(SandboxError) -> DomainSummary? {
        try await counted(.domain) { () async throws(SandboxError) in try await inner.domain(named: name) }
    }
    public func domainXML(named name: String, inactive: Bool, secure: Bool) async throws(SandboxError) -> String {
        try await counted(.domainXML) { () async throws(SandboxError) in
            try await inner.domainXML(named: name, inactive: inactive, secure: secure)
        }
    }
    public func define(xml: String) async throws(SandboxError) -> DomainSummary {
        try await counted(.define) { () async throws(SandboxError) in try await inner.define(xml: xml) }
    }
    public func start(named name: String) async throws(SandboxError) {
        try await counted(.start) { () async throws(SandboxError) in try await inner.start(named: name) }
    }
    public func shutdown(named name: String) async throws(SandboxError) {
        try await counted(.shutdown) { () async throws(SandboxError) in try await inner.shutdown(named: name) }
    }
    public func destroy(named name: String) async throws(SandboxError) {
        try await counted(.destroy) { () async throws(SandboxError) in try await inner.destroy(named: name) }
    }
    public func undefine(named name: String) async throws(SandboxError) {
        try await counted(.undefine) { () async throws(SandboxError) in try await inner.undefine(named: name) }
    }
    public func state(named name: String) async throws(SandboxError) -> DomainState {
        try await counted(.state) { () async throws(SandboxError) in try await inner.state(named: name) }
    }
    public func interfaceStats(named name: String, device: String) async throws(SandboxError) -> InterfaceStats {
        try await counted(.interfaceStats) { () async throws(SandboxError) in
            try await inner.interfaceStats(named: name, device: device)
        }
    }
    public func interfaceAddresses(named name: String, source: AddressSource) async throws(SandboxError)
        -> [InterfaceAddress]
    {
        try await counted(.interfaceAddresses) { () async throws(SandboxError) in
            try await inner.interfaceAddresses(named: name, source: source)
        }
    }
    public func networkDHCPLeases(network: String, mac: String?) async throws(SandboxError) -> [NetworkDHCPLease] {
        try await counted(.networkDHCPLeases) { () async throws(SandboxError) in
            try await inner.networkDHCPLeases(network: network, mac: mac)
        }
    }
    public func metadata(named name: String, namespaceURI: String) async throws(SandboxError) -> String? {
        try await counted(.metadata) { () async throws(SandboxError) in
            try await inner.metadata(named: name, namespaceURI: namespaceURI)
        }
    }
    public func agentCommand(named name: String, command: String, timeoutSeconds: Int) async throws(SandboxError)
        -> String
    {
        try await counted(.agentCommand) { () async throws(SandboxError) in
            try await inner.agentCommand(named: name, command: command, timeoutSeconds: timeoutSeconds)
        }
    }
    public func lifecycleEvents() async throws(SandboxError) -> AsyncStream<DomainLifecycleEvent> {
        try await counted(.lifecycleEvents) { () async throws(SandboxError) in try await inner.lifecycleEvents() }
    }
    public func networkFilterExists(named name: String) async throws(SandboxError) -> Bool {
        try await counted(.networkFilterExists) { () async throws(SandboxError) in
            try await inner.networkFilterExists(named: name)
        }
    }
    public func networkXML(named name: String) async throws(SandboxError) -> String {
        try await counted(.networkXML) { () async throws(SandboxError) in try await inner.networkXML(named: name) }
    }
    public func setMetadata(named name: String, namespaceURI: String, prefix: String, xml: String?)
        async throws(SandboxError)
    {
        try await counted(.setMetadata) { () async throws(SandboxError) in
            try await inner.setMetadata(named: name, namespaceURI: namespaceURI, prefix: prefix, xml: xml)
        }
    }
    public func updateDHCPHost(network: String, hostXML: String, add: Bool) async throws(SandboxError) {
        try await counted(.updateDHCPHost) { () async throws(SandboxError) in
            try await inner.updateDHCPHost(network: network, hostXML: hostXML, add: add)
        }
    }
    public func capabilitiesXML() async throws(SandboxError) -> String {
        try await counted(.capabilitiesXML) { () async throws(SandboxError) in try await inner.capabilitiesXML() }
    }
    public func networkIsActive(named name: String) async throws(SandboxError) -> Bool {
        try await counted(.networkIsActive) { () async throws(SandboxError) in
            try await inner.networkIsActive(named: name)
        }
    }
    public func nodeResources() async throws(SandboxError) -> NodeResources {
        try await counted(.nodeResources) { () async throws(SandboxError) in try await inner.nodeResources() }
    }
    public func blockInfo(named name: String, disk: String) async throws(SandboxError) -> DiskBlockInfo {
        try await counted(.blockInfo) { () async throws(SandboxError) in
            try await inner.blockInfo(named: name, disk: disk)
        }
    }
}

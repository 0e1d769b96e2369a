import SandboxCore

/// A ``DomainManager`` that forwards to a real one and fails, stalls or lies where a test says:
/// a failing define or start, a define that returns late, made-up network filters, rewritten
/// domain XML, other capabilities.
///
/// Its settings are fixed at creation and its closures must be thread-safe, so it may be shared
/// between tasks.
public final class FaultyDomainManager: ForwardingDomains, @unchecked Sendable {
    public let inner: any DomainManager
    /// `define` throws ``injected`` (after showing the XML to ``defineObserver``).
    public let failDefine: Bool
    /// `start` throws ``injected``.
    public let failStart: Bool
    /// How long `define` waits after the inner define succeeded.
    public let defineDelay: Duration?
    /// The network filters this manager claims to have.
    public let networkFilters: Set<String>
    /// Rewrites the XML that `domainXML` returns (to show the create path a base the test driver
    /// cannot define, e.g. an emulated aarch64 one).
    public let rewriteXML: (@Sendable (String) -> String)?
    /// Sees every XML given to `define`, before a `failDefine` failure.
    public let defineObserver: (@Sendable (String) -> Void)?
    /// The capabilities XML this manager reports instead of the inner one's (e.g. a DAC model
    /// whose QEMU user is not root, which the test driver never reports).
    public let capabilities: String?

    public init(
        _ inner: any DomainManager, failDefine: Bool = false, failStart: Bool = false, defineDelay: Duration? = nil,
        networkFilters: Set<String> = [], rewriteXML: (@Sendable (String) -> String)? = nil,
        defineObserver: (@Sendable (String) -> Void)? = nil, capabilities: String? = nil
    ) {
        self.capabilities = capabilities
        self.rewriteXML = rewriteXML
        self.defineObserver = defineObserver
        self.networkFilters = networkFilters
        self.inner = inner
        self.failDefine = failDefine
        self.failStart = failStart
        self.defineDelay = defineDelay
    }

    /// The error the injected failures throw.
    public static let injected = SandboxError(.libvirt, "injected failure")

    public func domainXML(named name: String, inactive: Bool, secure: Bool) async throws(SandboxError) -> String {
        let xml = try await inner.domainXML(named: name, inactive: inactive, secure: secure)
        return rewriteXML?(xml) ?? xml
    }

    public func define(xml: String) async throws(SandboxError) -> DomainSummary {
        defineObserver?(xml)
        if failDefine { throw Self.injected }
        let summary = try await inner.define(xml: xml)
        if let defineDelay { try? await Task.sleep(for: defineDelay) }
        return summary
    }

    public func start(named name: String) async throws(SandboxError) {
        if failStart { throw Self.injected }
        try await inner.start(named: name)
    }

    public func networkFilterExists(named name: String) async throws(SandboxError) -> Bool {
        networkFilters.contains(name)
    }

    public func capabilitiesXML() async throws(SandboxError) -> String {
        if let capabilities { return capabilities }
        return try await inner.capabilitiesXML()
    }
}

import SandboxValues

/// Manages the domains (virtual machines) of one hypervisor connection: the four roles below
/// together.
///
/// Every method is safe to call from any task. The libvirt-backed implementation is
/// ``LibvirtConnection``; tests use fakes (SandboxCoreTesting). All failures are
/// ``SandboxError``s: a missing domain is `.notFound`, everything else reported by libvirt is
/// `.libvirt` with libvirt's own code, domain and message in `underlying`. A component that needs
/// one role takes only that one (the guest agent client a ``GuestChannel``, the lease watcher a
/// ``NetworkAdministration``), so a fake for it implements only that.
public typealias DomainManager = DomainLifecycle & DomainIntrospection & NetworkAdministration & GuestChannel

/// The lifecycle of a connection's domains: list, look up, define, start, stop, undefine, and
/// the events that say when any of that happened.
public protocol DomainLifecycle: Sendable {
    /// All domains, active and inactive, sorted by name.
    func listDomains() async throws(SandboxError) -> [DomainSummary]

    /// The domain called `name`, or `nil` when there is none.
    func domain(named name: String) async throws(SandboxError) -> DomainSummary?

    /// Defines (or redefines) a persistent domain from `xml` without starting it.
    ///
    /// A different domain already using the name is `.nameTaken`.
    func define(xml: String) async throws(SandboxError) -> DomainSummary

    /// Starts a defined, inactive domain.
    func start(named name: String) async throws(SandboxError)

    /// Asks the guest to power off (ACPI power button) and returns without waiting.
    func shutdown(named name: String) async throws(SandboxError)

    /// Stops the domain at once, like pulling the plug. Succeeds when it is already off.
    func destroy(named name: String) async throws(SandboxError)

    /// Removes the domain's persistent configuration together with its managed-save image,
    /// snapshot and checkpoint metadata and NVRAM. A running domain keeps running as a transient one.
    func undefine(named name: String) async throws(SandboxError)

    /// The domain's current state.
    func state(named name: String) async throws(SandboxError) -> DomainState

    /// A stream of lifecycle events of all domains on this connection, from now on.
    ///
    /// Each call returns a new stream; events are delivered to every live stream. A stream ends when
    /// the connection is closed; cancelling the consuming task or dropping the stream unsubscribes.
    func lifecycleEvents() async throws(SandboxError) -> AsyncStream<DomainLifecycleEvent>
}

/// What a connection says about its domains and host: their XML and metadata, NIC and disk
/// counters and addresses, the host's capabilities and resources.
public protocol DomainIntrospection: Sendable {
    /// The domain's XML description. `inactive` asks for the persistent configuration rather than
    /// the live one; `secure` includes security-sensitive data such as VNC passwords.
    func domainXML(named name: String, inactive: Bool, secure: Bool) async throws(SandboxError) -> String

    /// The `<metadata>` child element in namespace `namespaceURI`, as XML, or `nil` when the domain
    /// has none. Read from the persistent configuration when the domain has one.
    func metadata(named name: String, namespaceURI: String) async throws(SandboxError) -> String?

    /// Sets (or, with `xml` nil, removes) the domain's metadata element in `namespaceURI`, written
    /// with `prefix`, in its persistent definition. `xml` carries no namespace declaration: libvirt
    /// adds it.
    func setMetadata(named name: String, namespaceURI: String, prefix: String, xml: String?) async throws(SandboxError)

    /// Traffic counters of one of a running domain's network interfaces; `device` is the host-side
    /// name (`vnet0`) or the MAC address.
    func interfaceStats(named name: String, device: String) async throws(SandboxError) -> InterfaceStats

    /// The IP addresses of a running domain's interfaces, as seen by `source`.
    func interfaceAddresses(named name: String, source: AddressSource) async throws(SandboxError)
        -> [InterfaceAddress]

    /// The sizes of the domain's disk `disk`, named by its target (`vda`) or its source file's
    /// path (`virDomainGetBlockInfo`); how much host storage an overlay has grown to.
    func blockInfo(named name: String, disk: String) async throws(SandboxError) -> DiskBlockInfo

    /// The host's capabilities XML (`virConnectGetCapabilities`): architectures, domain types and
    /// the security models with the user and group QEMU runs as (see ``QEMUProcessIdentity``).
    func capabilitiesXML() async throws(SandboxError) -> String

    /// The host's CPUs and memory (`virNodeGetInfo`, `virNodeGetFreeMemory`).
    func nodeResources() async throws(SandboxError) -> NodeResources
}

/// The connection's libvirt networks and network filters: leases, XML, state, DHCP reservations.
public protocol NetworkAdministration: Sendable {
    /// The DHCP leases the libvirt network `network` handed out, optionally only those for `mac`.
    func networkDHCPLeases(network: String, mac: String?) async throws(SandboxError) -> [NetworkDHCPLease]

    /// The XML description of the libvirt network `name`.
    func networkXML(named name: String) async throws(SandboxError) -> String

    /// Whether the libvirt network `name` is running; `.notFound` when there is no such network.
    func networkIsActive(named name: String) async throws(SandboxError) -> Bool

    /// Whether the connection has the network filter `name` (such as `clean-traffic`). A driver
    /// without network filters answers `false`.
    func networkFilterExists(named name: String) async throws(SandboxError) -> Bool

    /// Adds (`add`) or deletes a DHCP host entry (`<host mac=… ip=… name=…/>`) of network `network`,
    /// in the running network and in its persistent definition.
    func updateDHCPHost(network: String, hostXML: String, add: Bool) async throws(SandboxError)
}

/// The QEMU guest agent channel of the connection's domains.
public protocol GuestChannel: Sendable {
    /// Sends `command` (QMP JSON such as `{"execute":"guest-ping"}`) to the domain's QEMU guest
    /// agent and returns its JSON reply.
    ///
    /// `timeoutSeconds` bounds the wait for the reply; 0 sends without waiting. An agent that is not
    /// configured or not connected, a domain that is not running, or a driver without agent support
    /// is `.agentUnavailable`; an error reply from the agent is `.libvirt`. On ``LibvirtConnection``
    /// the call runs on its ``GuestAgentChannel``, apart from the lifecycle calls, and waits at most
    /// the (capped) timeout plus a grace.
    func agentCommand(named name: String, command: String, timeoutSeconds: Int) async throws(SandboxError) -> String
}

extension DomainIntrospection {
    /// The domain's XML description without security-sensitive data.
    public func domainXML(named name: String, inactive: Bool) async throws(SandboxError) -> String {
        try await domainXML(named: name, inactive: inactive, secure: false)
    }
}

extension NetworkAdministration {
    /// All DHCP leases of the libvirt network `network`.
    public func networkDHCPLeases(network: String) async throws(SandboxError) -> [NetworkDHCPLease] {
        try await networkDHCPLeases(network: network, mac: nil)
    }
}

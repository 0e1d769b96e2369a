/// Manages the domains (virtual machines) of one hypervisor connection.
///
/// Every method is safe to call from any task. The libvirt-backed implementation is
/// ``LibvirtConnection``; tests use fakes. All failures are ``SandboxError``s: a missing domain is
/// `.notFound`, everything else reported by libvirt is `.libvirt` with libvirt's own code, domain
/// and message in `underlying`.
public protocol DomainManager: Sendable {
    /// All domains, active and inactive, sorted by name.
    func listDomains() async throws(SandboxError) -> [DomainSummary]

    /// The domain called `name`, or `nil` when there is none.
    func domain(named name: String) async throws(SandboxError) -> DomainSummary?

    /// The domain's XML description. `inactive` asks for the persistent configuration rather than
    /// the live one; `secure` includes security-sensitive data such as VNC passwords.
    func domainXML(named name: String, inactive: Bool, secure: Bool) async throws(SandboxError) -> String

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

    /// Traffic counters of one of a running domain's network interfaces; `device` is the host-side
    /// name (`vnet0`) or the MAC address.
    func interfaceStats(named name: String, device: String) async throws(SandboxError) -> InterfaceStats

    /// The IP addresses of a running domain's interfaces, as seen by `source`.
    func interfaceAddresses(named name: String, source: AddressSource) async throws(SandboxError)
        -> [InterfaceAddress]

    /// The DHCP leases the libvirt network `network` handed out, optionally only those for `mac`.
    func networkDHCPLeases(network: String, mac: String?) async throws(SandboxError) -> [NetworkDHCPLease]

    /// The `<metadata>` child element in namespace `namespaceURI`, as XML, or `nil` when the domain
    /// has none. Read from the persistent configuration when the domain has one.
    func metadata(named name: String, namespaceURI: String) async throws(SandboxError) -> String?

    /// Sends `command` (QMP JSON such as `{"execute":"guest-ping"}`) to the domain's QEMU guest
    /// agent and returns its JSON reply.
    ///
    /// `timeoutSeconds` bounds the wait for the reply; 0 sends without waiting. An agent that is not
    /// configured or not connected, a domain that is not running, or a driver without agent support
    /// is `.agentUnavailable`; an error reply from the agent is `.libvirt`. On ``LibvirtConnection``
    /// the call runs on its ``GuestAgentChannel``, apart from the lifecycle calls, and waits at most
    /// the (capped) timeout plus a grace.
    func agentCommand(named name: String, command: String, timeoutSeconds: Int) async throws(SandboxError) -> String

    /// A stream of lifecycle events of all domains on this connection, from now on.
    ///
    /// Each call returns a new stream; events are delivered to every live stream. A stream ends when
    /// the connection is closed; cancelling the consuming task or dropping the stream unsubscribes.
    func lifecycleEvents() async throws(SandboxError) -> AsyncStream<DomainLifecycleEvent>

    /// Whether the connection has the network filter `name` (such as `clean-traffic`). A driver
    /// without network filters answers `false`.
    func networkFilterExists(named name: String) async throws(SandboxError) -> Bool

    /// The XML description of the libvirt network `name`.
    func networkXML(named name: String) async throws(SandboxError) -> String

    /// Sets (or, with `xml` nil, removes) the domain's metadata element in `namespaceURI`, written
    /// with `prefix`, in its persistent definition. `xml` carries no namespace declaration: libvirt
    /// adds it.
    func setMetadata(named name: String, namespaceURI: String, prefix: String, xml: String?) async throws(SandboxError)

    /// Adds (`add`) or deletes a DHCP host entry (`<host mac=… ip=… name=…/>`) of network `network`,
    /// in the running network and in its persistent definition.
    func updateDHCPHost(network: String, hostXML: String, add: Bool) async throws(SandboxError)

    /// The host's capabilities XML (`virConnectGetCapabilities`): architectures, domain types and
    /// the security models with the user and group QEMU runs as (see ``QEMUProcessIdentity``).
    func capabilitiesXML() async throws(SandboxError) -> String

    /// Whether the libvirt network `name` is running; `.notFound` when there is no such network.
    func networkIsActive(named name: String) async throws(SandboxError) -> Bool

    /// The host's CPUs and memory (`virNodeGetInfo`, `virNodeGetFreeMemory`).
    func nodeResources() async throws(SandboxError) -> NodeResources

    /// The sizes of the domain's disk `disk`, named by its target (`vda`) or its source file's
    /// path (`virDomainGetBlockInfo`); how much host storage an overlay has grown to.
    func blockInfo(named name: String, disk: String) async throws(SandboxError) -> DiskBlockInfo
}

extension DomainManager {

    /// The domain's XML description without security-sensitive data.
    public func domainXML(named name: String, inactive: Bool) async throws(SandboxError) -> String {
        try await domainXML(named: name, inactive: inactive, secure: false)
    }

    /// All DHCP leases of the libvirt network `network`.
    public func networkDHCPLeases(network: String) async throws(SandboxError) -> [NetworkDHCPLease] {
        try await networkDHCPLeases(network: network, mac: nil)
    }
}

/// The state of a domain, as libvirt reports it.
public enum DomainState: Sendable, Hashable, Codable, CustomStringConvertible {
    case noState
    case running
    case blocked
    case paused
    case shuttingDown
    case shutOff
    case crashed
    case pmSuspended
    /// A state this library does not know yet, with libvirt's number for it.
    case unknown(Int)

    /// libvirt's `virDomainState` number.
    init(libvirtState value: Int) {
        switch value {
        case 0: self = .noState
        case 1: self = .running
        case 2: self = .blocked
        case 3: self = .paused
        case 4: self = .shuttingDown
        case 5: self = .shutOff
        case 6: self = .crashed
        case 7: self = .pmSuspended
        default: self = .unknown(value)
        }
    }

    public var description: String {
        switch self {
        case .noState: "no state"
        case .running: "running"
        case .blocked: "blocked"
        case .paused: "paused"
        case .shuttingDown: "shutting down"
        case .shutOff: "shut off"
        case .crashed: "crashed"
        case .pmSuspended: "pmsuspended"
        case .unknown(let value): "unknown (\(value))"
        }
    }
}

/// A short description of one domain.
public struct DomainSummary: Sendable, Hashable, Codable {
    public var name: String
    /// The UUID in its canonical lowercase text form.
    public var uuid: String
    public var state: DomainState
    /// Whether the domain has a persistent configuration (was defined, not just created).
    public var isPersistent: Bool
    /// The hypervisor's ID while the domain runs; `nil` when it is inactive.
    public var id: Int?

    public init(name: String, uuid: String, state: DomainState, isPersistent: Bool, id: Int?) {
        self.name = name
        self.uuid = uuid
        self.state = state
        self.isPersistent = isPersistent
        self.id = id
    }
}

/// A domain was defined, started, stopped …
public struct DomainLifecycleEvent: Sendable, Hashable, Codable {
    /// What happened; libvirt's `virDomainEventType`.
    public enum Kind: Sendable, Hashable, Codable {
        case defined
        case undefined
        case started
        case suspended
        case resumed
        case stopped
        case shutdown
        case pmsuspended
        case crashed
        /// An event type this library does not know yet, with libvirt's number for it.
        case other(Int)

        init(libvirtEvent value: Int) {
            switch value {
            case 0: self = .defined
            case 1: self = .undefined
            case 2: self = .started
            case 3: self = .suspended
            case 4: self = .resumed
            case 5: self = .stopped
            case 6: self = .shutdown
            case 7: self = .pmsuspended
            case 8: self = .crashed
            default: self = .other(value)
            }
        }
    }

    public var domainName: String
    public var uuid: String
    public var kind: Kind
    /// libvirt's detail code for `kind` (for instance `virDomainEventStoppedDetailType`).
    public var detail: Int

    public init(domainName: String, uuid: String, kind: Kind, detail: Int) {
        self.domainName = domainName
        self.uuid = uuid
        self.kind = kind
        self.detail = detail
    }
}

/// Traffic counters of one network interface. Counters the driver does not know are -1.
public struct InterfaceStats: Sendable, Hashable, Codable {
    public var rxBytes: Int64
    public var rxPackets: Int64
    public var rxErrors: Int64
    public var rxDrops: Int64
    public var txBytes: Int64
    public var txPackets: Int64
    public var txErrors: Int64
    public var txDrops: Int64

    public init(
        rxBytes: Int64, rxPackets: Int64, rxErrors: Int64, rxDrops: Int64,
        txBytes: Int64, txPackets: Int64, txErrors: Int64, txDrops: Int64
    ) {
        self.rxBytes = rxBytes
        self.rxPackets = rxPackets
        self.rxErrors = rxErrors
        self.rxDrops = rxDrops
        self.txBytes = txBytes
        self.txPackets = txPackets
        self.txErrors = txErrors
        self.txDrops = txDrops
    }
}

/// IPv4 or IPv6.
public enum IPAddressFamily: String, Sendable, Hashable, Codable {
    case ipv4
    case ipv6
}

/// One IP address of one of a domain's network interfaces.
public struct InterfaceAddress: Sendable, Hashable, Codable {
    /// The interface's name: the host-side device (`vnet0`) for lease and ARP, the guest's for agent.
    public var interfaceName: String
    public var mac: String?
    public var address: String
    public var prefix: Int
    public var family: IPAddressFamily

    public init(interfaceName: String, mac: String?, address: String, prefix: Int, family: IPAddressFamily) {
        self.interfaceName = interfaceName
        self.mac = mac
        self.address = address
        self.prefix = prefix
        self.family = family
    }
}

/// Where libvirt looks for a domain's addresses.
public enum AddressSource: String, Sendable, Hashable, Codable, CaseIterable {
    /// The DHCP leases of libvirt's own networks (dnsmasq).
    case lease
    /// The QEMU guest agent inside the guest.
    case agent
    /// The host's ARP table.
    case arp
}

/// A DHCP lease handed out by a libvirt network.
public struct NetworkDHCPLease: Sendable, Hashable, Codable {
    public var mac: String
    public var ipAddress: String
    public var prefix: Int
    public var hostname: String?
    public var clientID: String?
    /// Seconds since the Unix epoch.
    public var expiryTime: Int64
    public var family: IPAddressFamily

    public init(
        mac: String, ipAddress: String, prefix: Int, hostname: String? = nil, clientID: String? = nil,
        expiryTime: Int64, family: IPAddressFamily
    ) {
        self.mac = mac
        self.ipAddress = ipAddress
        self.prefix = prefix
        self.hostname = hostname
        self.clientID = clientID
        self.expiryTime = expiryTime
        self.family = family
    }
}

internal import CLibvirt
import Foundation
import Logging
import SandboxValues

/// A read-write connection to one libvirt hypervisor, such as `qemu:///system`,
/// `qemu:///session`, `qemu:///system?socket=/path/to/virtqemud-sock` or `test:///default`.
///
/// The actor owns the `virConnectPtr` and every domain or network handle it looks up; none outlives
/// the call that looked it up. All of its code runs on one thread of its own (see
/// ``LibvirtThreadExecutor``), so the blocking libvirt calls never occupy Swift's cooperative pool,
/// and calls from many tasks are serialised. Open several connections for parallelism.
///
/// Guest agent calls (``agentCommand(named:command:timeoutSeconds:)``, agent-sourced
/// ``interfaceAddresses(named:source:)``) do not run on that thread: they go through a
/// ``GuestAgentChannel`` with a connection and a few threads of its own, so a guest that freezes
/// its agent holds neither the lifecycle calls nor other domains' agent calls.
///
/// Call ``close()`` when done; the connection is also closed when the actor is released.
public actor LibvirtConnection: DomainManager {
    /// The URI the connection was opened with.
    public nonisolated let uri: String

    private nonisolated let executor: LibvirtThreadExecutor
    /// Where guest agent calls run (not on `executor`'s thread).
    nonisolated let agentChannel: GuestAgentChannel
    let logger: Logger
    private let events = LifecycleEventHub()
    // nonisolated(unsafe) only so deinit may hand it to the connection thread; all other access is isolated.
    private nonisolated(unsafe) var handle: OpaquePointer?
    private var eventCallbackID: Int32?
    /// The daemon went away (restart, crash) and reconnecting has not succeeded yet.
    private var connectionLost = false

    public nonisolated var unownedExecutor: UnownedSerialExecutor {
        executor.asUnownedSerialExecutor()
    }

    /// Opens a read-write connection to `uri`.
    ///
    /// For daemon-based URIs (anything but `test:`) a keepalive is registered so a dead daemon is
    /// noticed; failing to register it is not an error.
    public init(
        uri: String,
        logger: Logger = Logger(label: "SandboxCore.libvirt", factory: { _ in SwiftLogNoOpLogHandler() })
    ) async throws(SandboxError) {
        self.uri = uri
        self.logger = logger
        self.executor = LibvirtThreadExecutor(name: "libvirt-conn")
        self.agentChannel = GuestAgentChannel(uri: uri, logger: logger)
        // From here on `self` is fully initialised and the initialiser runs on `executor`.
        assert(executor.isCurrentThread, "libvirt called off the connection's thread")
        try LibvirtRuntime.ensureInitialized()
        handle = try LibvirtError.check(virConnectOpen(uri), operation: "virConnectOpen", "connect to \(uri)")
        if let handle, GuestAgentChannel.needsSharedHandle(uri: uri) { agentChannel.share(handle) }
        logger.debug("opened libvirt connection", metadata: ["uri": "\(uri)"])
        if !uri.hasPrefix("test:") {
            enableKeepAlive()
        }
    }

    /// Closes what is still open on the connection's own thread, then lets that thread end.
    /// (A plain deinit: `isolated deinit` makes release builds of clients fail with
    /// "circular reference" in Swift 6.3.)
    deinit {
        let leftover = LeftoverHandle(handle: handle, callbackID: eventCallbackID)
        let events = self.events
        agentChannel.close()
        executor.shutdown {
            events.finishAll()
            guard let handle = leftover.handle else { return }
            if let id = leftover.callbackID { _ = virConnectDomainEventDeregisterAny(handle, id) }
            _ = virConnectClose(handle)
            virResetLastError()
        }
    }

    /// Closes the connection and ends all lifecycle event streams. Later calls throw `.libvirt`.
    /// Closing twice does nothing.
    public func close() {
        agentChannel.close()
        closeHandle()
    }

    /// The version of the libvirt library on the other end (the daemon's for remote URIs).
    public func libvirtVersion() throws(SandboxError) -> (major: Int, minor: Int, release: Int) {
        let connection = try open("read the libvirt version")
        var version: UInt = 0
        try LibvirtError.check(
            virConnectGetLibVersion(connection, &version), operation: "virConnectGetLibVersion",
            "read the libvirt version")
        let value = Int(version)
        return (value / 1_000_000, value / 1000 % 1000, value % 1000)
    }

    // MARK: - DomainManager

    public func listDomains() throws(SandboxError) -> [DomainSummary] {
        let connection = try open("list domains")
        var list: UnsafeMutablePointer<virDomainPtr?>? = nil
        let count = Int(
            try LibvirtError.check(
                virConnectListAllDomains(connection, &list, 0), operation: "virConnectListAllDomains",
                "list domains"))
        defer {
            if let list {
                for index in 0..<count {
                    if let domain = list[index] { virDomainFree(domain) }
                }
                free(list)
            }
        }
        var summaries: [DomainSummary] = []
        summaries.reserveCapacity(count)
        for index in 0..<count {
            guard let domain = list?[index] else { continue }
            do {
                summaries.append(try Self.summary(of: domain))
            } catch  where error.code == .notFound {
                continue  // undefined since it was listed
            }
        }
        return summaries.sorted { $0.name < $1.name }
    }

    public func domain(named name: String) throws(SandboxError) -> DomainSummary? {
        do {
            return try withDomain(named: name, "look up domain '\(name)'") { domain throws(SandboxError) in
                try Self.summary(of: domain)
            }
        } catch  where error.code == .notFound {
            return nil
        }
    }

    public func domainXML(named name: String, inactive: Bool, secure: Bool = false) throws(SandboxError)
        -> String
    {
        try withDomain(named: name, "read the XML of domain '\(name)'") { domain throws(SandboxError) in
            var flags: UInt32 = 0
            if inactive { flags |= VIR_DOMAIN_XML_INACTIVE.rawValue }
            if secure { flags |= VIR_DOMAIN_XML_SECURE.rawValue }
            let xml = try LibvirtError.check(
                virDomainGetXMLDesc(domain, flags), operation: "virDomainGetXMLDesc",
                "read the XML of domain '\(name)'")
            defer { free(xml) }
            return String(cString: xml)
        }
    }

    public func define(xml: String) throws(SandboxError) -> DomainSummary {
        let connection = try open("define a domain")
        guard let domain = virDomainDefineXML(connection, xml) else {
            var error = LibvirtError.last(operation: "virDomainDefineXML", "define a domain")
            // libvirt reports "domain 'x' already exists with uuid …" as a generic operation failure.
            if error.isLibvirtError(VIR_ERR_OPERATION_FAILED),
                error.underlying?.message.contains("already exists") == true
            {
                error.code = .nameTaken
            }
            throw error
        }
        defer { virDomainFree(domain) }
        let summary = try Self.summary(of: domain)
        logger.debug("defined domain", metadata: ["domain": "\(summary.name)", "uuid": "\(summary.uuid)"])
        return summary
    }

    public func start(named name: String) throws(SandboxError) {
        try withDomain(named: name, "start domain '\(name)'") { domain throws(SandboxError) in
            try LibvirtError.check(virDomainCreate(domain), operation: "virDomainCreate", "start domain '\(name)'")
        }
        logger.debug("started domain", metadata: ["domain": "\(name)"])
    }

    public func shutdown(named name: String) throws(SandboxError) {
        try withDomain(named: name, "shut down domain '\(name)'") { domain throws(SandboxError) in
            guard virDomainShutdownFlags(domain, VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN.rawValue) < 0 else { return }
            let error = LibvirtError.last(operation: "virDomainShutdownFlags", "shut down domain '\(name)'")
            guard error.isUnsupportedByDriver else { throw error }
            // The driver cannot choose the method; let it use its default.
            try LibvirtError.check(
                virDomainShutdown(domain), operation: "virDomainShutdown", "shut down domain '\(name)'")
        }
        logger.debug("asked domain to shut down", metadata: ["domain": "\(name)"])
    }

    public func undefine(named name: String) throws(SandboxError) {
        try withDomain(named: name, "undefine domain '\(name)'") { domain throws(SandboxError) in
            let flags =
                VIR_DOMAIN_UNDEFINE_MANAGED_SAVE.rawValue | VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA.rawValue
                | VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA.rawValue | VIR_DOMAIN_UNDEFINE_NVRAM.rawValue
            guard virDomainUndefineFlags(domain, flags) < 0 else { return }
            let error = LibvirtError.last(operation: "virDomainUndefineFlags", "undefine domain '\(name)'")
            guard error.isUnsupportedByDriver else { throw error }
            logger.debug(
                "undefine flags unsupported, falling back to virDomainUndefine",
                metadata: ["domain": "\(name)", "error": "\(error)"])
            try LibvirtError.check(
                virDomainUndefine(domain), operation: "virDomainUndefine", "undefine domain '\(name)'")
        }
        logger.debug("undefined domain", metadata: ["domain": "\(name)"])
    }

    public func state(named name: String) throws(SandboxError) -> DomainState {
        try withDomain(named: name, "read the state of domain '\(name)'") { domain throws(SandboxError) in
            try Self.state(of: domain)
        }
    }

    public func interfaceStats(named name: String, device: String) throws(SandboxError) -> InterfaceStats {
        let action = "read the statistics of interface '\(device)' of domain '\(name)'"
        return try withDomain(named: name, action) { domain throws(SandboxError) in
            var stats = virDomainInterfaceStatsStruct()
            try LibvirtError.check(
                virDomainInterfaceStats(domain, device, &stats, MemoryLayout<virDomainInterfaceStatsStruct>.size),
                operation: "virDomainInterfaceStats", action)
            return InterfaceStats(
                rxBytes: stats.rx_bytes, rxPackets: stats.rx_packets, rxErrors: stats.rx_errs,
                rxDrops: stats.rx_drop, txBytes: stats.tx_bytes, txPackets: stats.tx_packets,
                txErrors: stats.tx_errs, txDrops: stats.tx_drop)
        }
    }

    /// Agent-sourced addresses come through the ``GuestAgentChannel`` (waiting at most
    /// ``agentAddressTimeoutSeconds`` plus its grace); the others from the connection's thread.
    public nonisolated func interfaceAddresses(named name: String, source: AddressSource) async throws(SandboxError)
        -> [InterfaceAddress]
    {
        let action = "read the addresses of domain '\(name)' from \(source.rawValue)"
        guard source == .agent else {
            return try await isolatedInterfaceAddresses(named: name, source: source, action)
        }
        return try await agentChannel.run(domain: name, timeoutSeconds: Self.agentAddressTimeoutSeconds, action) {
            domain throws(SandboxError) in
            try Self.interfaceAddresses(of: domain, source: source, action)
        }
    }

    /// How long an agent-sourced address query may take (libvirt gives the agent no timeout of
    /// the caller's for it).
    static let agentAddressTimeoutSeconds = 10

    private func isolatedInterfaceAddresses(named name: String, source: AddressSource, _ action: String)
        throws(SandboxError) -> [InterfaceAddress]
    {
        try withDomain(named: name, action) { domain throws(SandboxError) in
            try Self.interfaceAddresses(of: domain, source: source, action)
        }
    }

    private static func interfaceAddresses(of domain: OpaquePointer, source: AddressSource, _ action: String)
        throws(SandboxError) -> [InterfaceAddress]
    {
        let sourceValue: UInt32 =
            switch source {
            case .lease: VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE.rawValue
            case .agent: VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT.rawValue
            case .arp: VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_ARP.rawValue
            }
        var interfaces: UnsafeMutablePointer<virDomainInterfacePtr?>? = nil
        let count = Int(
            try LibvirtError.check(
                virDomainInterfaceAddresses(domain, &interfaces, sourceValue, 0),
                operation: "virDomainInterfaceAddresses", action))
        defer {
            if let interfaces {
                for index in 0..<count {
                    if let interface = interfaces[index] { virDomainInterfaceFree(interface) }
                }
                free(interfaces)
            }
        }
        var result: [InterfaceAddress] = []
        for index in 0..<count {
            guard let interface = interfaces?[index]?.pointee else { continue }
            let interfaceName = interface.name.map { String(cString: $0) } ?? ""
            let mac = interface.hwaddr.map { String(cString: $0) }
            for addressIndex in 0..<Int(interface.naddrs) {
                guard let entry = interface.addrs?[addressIndex], let address = entry.addr else { continue }
                result.append(
                    InterfaceAddress(
                        interfaceName: interfaceName, mac: mac, address: String(cString: address),
                        prefix: Int(entry.prefix), family: Self.family(entry.type)))
            }
        }
        return result
    }

    public func networkDHCPLeases(network: String, mac: String?) throws(SandboxError) -> [NetworkDHCPLease] {
        let action = "read the DHCP leases of network '\(network)'"
        return try withNetwork(named: network, action) { handle throws(SandboxError) in
            var leases: UnsafeMutablePointer<virNetworkDHCPLeasePtr?>? = nil
            let count = Int(
                try LibvirtError.check(
                    virNetworkGetDHCPLeases(handle, mac, &leases, 0), operation: "virNetworkGetDHCPLeases", action))
            defer {
                if let leases {
                    for index in 0..<count {
                        if let lease = leases[index] { virNetworkDHCPLeaseFree(lease) }
                    }
                    free(leases)
                }
            }
            var result: [NetworkDHCPLease] = []
            for index in 0..<count {
                guard let lease = leases?[index]?.pointee, let address = lease.ipaddr else { continue }
                result.append(
                    NetworkDHCPLease(
                        mac: lease.mac.map { String(cString: $0) } ?? "",
                        ipAddress: String(cString: address),
                        prefix: Int(lease.prefix),
                        hostname: lease.hostname.map { String(cString: $0) },
                        clientID: lease.clientid.map { String(cString: $0) },
                        expiryTime: lease.expirytime,
                        family: Self.family(lease.type)))
            }
            return result
        }
    }

    public func metadata(named name: String, namespaceURI: String) throws(SandboxError) -> String? {
        let action = "read metadata \(namespaceURI) of domain '\(name)'"
        return try withDomain(named: name, action) { domain throws(SandboxError) -> String? in
            // The persistent configuration when there is one (it is what the domain was defined
            // with); a transient domain only has its live definition.
            let persistent = try LibvirtError.check(
                virDomainIsPersistent(domain), operation: "virDomainIsPersistent", action)
            let flags =
                persistent == 1 ? VIR_DOMAIN_AFFECT_CONFIG.rawValue : VIR_DOMAIN_AFFECT_CURRENT.rawValue
            guard
                let text = virDomainGetMetadata(
                    domain, Int32(VIR_DOMAIN_METADATA_ELEMENT.rawValue), namespaceURI, flags)
            else {
                let error = LibvirtError.last(operation: "virDomainGetMetadata", action)
                if error.isLibvirtError(VIR_ERR_NO_DOMAIN_METADATA) { return nil }
                throw error
            }
            defer { free(text) }
            return String(cString: text)
        }
    }

    /// Runs on the ``GuestAgentChannel``, not on the connection's thread: a frozen agent holds
    /// neither lifecycle calls nor other domains' agent calls. `timeoutSeconds` is cut to
    /// ``GuestAgentChannel/maximumTimeoutSeconds``; the caller waits at most that plus the channel's
    /// grace, even when libvirt does not return.
    public nonisolated func agentCommand(named name: String, command: String, timeoutSeconds: Int)
        async throws(SandboxError) -> String
    {
        guard (0...Int(Int32.max)).contains(timeoutSeconds) else {
            throw .invalid("the guest agent timeout must be 0 or more seconds, not \(timeoutSeconds)")
        }
        let timeout = min(timeoutSeconds, GuestAgentChannel.maximumTimeoutSeconds)
        let action = "run a guest agent command in domain '\(name)'"
        return try await agentChannel.run(domain: name, timeoutSeconds: timeout, action) {
            domain throws(SandboxError) in
            guard let reply = virDomainQemuAgentCommand(domain, command, Int32(timeout), 0) else {
                var error = LibvirtError.last(operation: "virDomainQemuAgentCommand", action)
                // Not connected or timed out (AGENT_UNRESPONSIVE), not configured (ARGUMENT_UNSUPPORTED),
                // domain not running (OPERATION_INVALID), driver without an agent (NO_SUPPORT).
                let unavailable = [
                    VIR_ERR_AGENT_UNRESPONSIVE, VIR_ERR_ARGUMENT_UNSUPPORTED, VIR_ERR_OPERATION_INVALID,
                    VIR_ERR_NO_SUPPORT,
                ]
                if unavailable.contains(where: error.isLibvirtError) { error.code = .agentUnavailable }
                throw error
            }
            defer { free(reply) }
            return String(cString: reply)
        }
    }

    public func lifecycleEvents() throws(SandboxError) -> AsyncStream<DomainLifecycleEvent> {
        let connection = try open("subscribe to domain lifecycle events")
        if eventCallbackID == nil { try registerEventCallback(connection) }
        let (stream, continuation) = AsyncStream.makeStream(
            of: DomainLifecycleEvent.self, bufferingPolicy: .bufferingNewest(Self.eventBufferSize))
        let id = events.add(continuation)
        continuation.onTermination = { [weak self, events] _ in
            guard events.remove(id) else { return }
            Task { [weak self] in await self?.deregisterEventsIfUnused() }
        }
        return stream
    }

    /// How many undelivered events each stream keeps; older ones are dropped beyond this.
    static let eventBufferSize = 1024

    // MARK: - Internals

    /// The open connection, or `.libvirt` when it has been closed.
    ///
    /// When the daemon went away (a restart, a crash: keepalive or the socket's end marks the
    /// connection dead), the URI is opened again and lifecycle events are subscribed again, so
    /// callers (such as a create waiting for an IP) carry on; events while it was away are lost.
    func open(_ action: @autoclosure () -> String) throws(SandboxError) -> OpaquePointer {
        assert(executor.isCurrentThread, "libvirt called off the connection's thread")
        if let handle, virConnectIsAlive(handle) != 0 { return handle }
        guard handle != nil || connectionLost else {
            throw SandboxError(.libvirt, "could not \(action()): the connection to \(uri) is closed")
        }
        return try reconnect(action())
    }

    private func reconnect(_ action: String) throws(SandboxError) -> OpaquePointer {
        if let dead = handle {
            logger.warning("libvirt connection lost; reconnecting", metadata: ["uri": "\(uri)"])
            if let id = eventCallbackID { _ = virConnectDomainEventDeregisterAny(dead, id) }
            eventCallbackID = nil
            _ = virConnectClose(dead)
            virResetLastError()
            handle = nil
            connectionLost = true
        }
        guard let fresh = virConnectOpen(uri) else {
            let error = LibvirtError.last(operation: "virConnectOpen", "reconnect to \(uri)")
            throw SandboxError(
                .libvirt, "could not \(action): the connection to \(uri) was lost and \(error.message)",
                underlying: error.underlying)
        }
        handle = fresh
        connectionLost = false
        if !uri.hasPrefix("test:") { enableKeepAlive() }
        if !events.isEmpty {
            do {
                try registerEventCallback(fresh)
            } catch {
                logger.warning("could not resubscribe to lifecycle events", metadata: ["error": "\(error)"])
            }
        }
        logger.info("reconnected to libvirt", metadata: ["uri": "\(uri)"])
        return fresh
    }

    private func registerEventCallback(_ connection: OpaquePointer) throws(SandboxError) {
        let context = Unmanaged.passRetained(events).toOpaque()
        let id = virConnectDomainEventRegisterAny(
            connection, nil, Int32(VIR_DOMAIN_EVENT_ID_LIFECYCLE.rawValue),
            sandbox_vir_domain_event_callback(lifecycleEventCallback), context, releaseLifecycleEventHub)
        guard id >= 0 else {
            // libvirt does not call the free callback when registration fails.
            Unmanaged<LifecycleEventHub>.fromOpaque(context).release()
            throw LibvirtError.last(
                operation: "virConnectDomainEventRegisterAny", "subscribe to domain lifecycle events")
        }
        eventCallbackID = id
        logger.debug("registered lifecycle event callback", metadata: ["callback": "\(id)"])
    }

    /// Looks up the domain called `name`, runs `body` with it and frees it.
    @discardableResult
    func withDomain<Result>(
        named name: String, _ action: @autoclosure () -> String,
        _ body: (OpaquePointer) throws(SandboxError) -> Result
    ) throws(SandboxError) -> Result {
        let connection = try open(action())
        let domain = try LibvirtError.check(
            virDomainLookupByName(connection, name), operation: "virDomainLookupByName", action())
        defer { virDomainFree(domain) }
        return try body(domain)
    }

    /// Looks up network `name`, runs `body` with its handle, and frees it.
    func withNetwork<Result>(
        named name: String, _ action: @autoclosure () -> String,
        _ body: (OpaquePointer) throws(SandboxError) -> Result
    ) throws(SandboxError) -> Result {
        let connection = try open(action())
        let network = try LibvirtError.check(
            virNetworkLookupByName(connection, name), operation: "virNetworkLookupByName", action())
        defer { virNetworkFree(network) }
        return try body(network)
    }

    private func enableKeepAlive() {
        guard let handle else { return }
        let result = virConnectSetKeepAlive(handle, 5, 3)
        if result < 0 {
            let error = LibvirtError.last(operation: "virConnectSetKeepAlive", "enable keepalive")
            logger.debug("keepalive not enabled", metadata: ["uri": "\(uri)", "error": "\(error)"])
        } else if result == 1 {
            logger.debug("keepalive not supported by the remote side", metadata: ["uri": "\(uri)"])
        }
    }

    /// Drops the libvirt event registration once no stream is left.
    private func deregisterEventsIfUnused() {
        guard let handle, let id = eventCallbackID, events.isEmpty else { return }
        eventCallbackID = nil
        if virConnectDomainEventDeregisterAny(handle, id) < 0 {
            let error = LibvirtError.last(
                operation: "virConnectDomainEventDeregisterAny", "unsubscribe from lifecycle events")
            logger.debug("could not deregister lifecycle callback", metadata: ["error": "\(error)"])
        } else {
            logger.debug("deregistered lifecycle event callback", metadata: ["callback": "\(id)"])
        }
    }

    /// What deinit hands to the connection thread to close.
    private struct LeftoverHandle: @unchecked Sendable {
        var handle: OpaquePointer?
        var callbackID: Int32?
    }

    private func closeHandle() {
        connectionLost = false
        guard let handle else { return }
        if let id = eventCallbackID {
            eventCallbackID = nil
            if virConnectDomainEventDeregisterAny(handle, id) < 0 {
                _ = LibvirtError.last(
                    operation: "virConnectDomainEventDeregisterAny", "unsubscribe from lifecycle events")
            }
        }
        events.finishAll()
        if virConnectClose(handle) < 0 {
            let error = LibvirtError.last(operation: "virConnectClose", "close the connection to \(uri)")
            logger.debug("closing the connection failed", metadata: ["error": "\(error)"])
        }
        self.handle = nil
        logger.debug("closed libvirt connection", metadata: ["uri": "\(uri)"])
    }

    // MARK: - Reading handles (no RPCs unless noted)

    /// Name, UUID, state, persistence and ID of `domain`. Calls the hypervisor for state and persistence.
    private static func summary(of domain: OpaquePointer) throws(SandboxError) -> DomainSummary {
        let name = try LibvirtError.check(
            virDomainGetName(domain), operation: "virDomainGetName", "read a domain's name")
        let nameText = String(cString: name)  // borrowed from the handle: copied, never freed
        guard let uuid = uuidString(of: domain) else {
            throw LibvirtError.last(
                operation: "virDomainGetUUIDString", "read the UUID of domain '\(nameText)'")
        }
        let state = try state(of: domain)
        let persistent = try LibvirtError.check(
            virDomainIsPersistent(domain), operation: "virDomainIsPersistent",
            "read whether domain '\(nameText)' is persistent")
        let rawID = virDomainGetID(domain)
        return DomainSummary(
            name: nameText, uuid: uuid, state: state, isPersistent: persistent == 1,
            id: rawID == UInt32.max ? nil : Int(rawID))
    }

    private static func state(of domain: OpaquePointer) throws(SandboxError) -> DomainState {
        var state: Int32 = 0
        var reason: Int32 = 0
        try LibvirtError.check(
            virDomainGetState(domain, &state, &reason, 0), operation: "virDomainGetState", "read a domain's state")
        return DomainState(libvirtState: Int(state))
    }

    /// The domain's UUID as text, or `nil` with libvirt's error set.
    static func uuidString(of domain: OpaquePointer) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(VIR_UUID_STRING_BUFLEN))
        let result = buffer.withUnsafeMutableBufferPointer { virDomainGetUUIDString(domain, $0.baseAddress) }
        guard result == 0 else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func family(_ type: Int32) -> IPAddressFamily {
        type == Int32(VIR_IP_ADDR_TYPE_IPV6.rawValue) ? .ipv6 : .ipv4
    }

    // MARK: - Test hooks

    /// Where the actor's code runs, for tests.
    struct ExecutionContext: Sendable, Hashable {
        var threadName: String
        var threadID: UInt
        /// The kernel's ID of the thread (`/proc/self/task/<id>`).
        var kernelThreadID: Int32
        var isExecutorThread: Bool
    }

    /// The thread the actor's code runs on and whether it is the executor's own thread.
    func debugExecutionContext() -> ExecutionContext {
        ExecutionContext(
            threadName: currentThreadName(), threadID: UInt(pthread_self()),
            kernelThreadID: sandbox_current_kernel_thread_id(),
            isExecutorThread: executor.isCurrentThread)
    }
}

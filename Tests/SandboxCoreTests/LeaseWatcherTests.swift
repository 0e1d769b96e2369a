import Foundation
import SandboxCoreTesting
import Synchronization
import Testing

@testable import SandboxCore

/// A domain manager whose only domain is always running and whose networks' leases are set by
/// the test; counts lease polls.
final class LeaseTableDomains: NetworklessDomains {
    private let inner = PlaceholderDomains()
    private let table = Mutex<[String: [NetworkDHCPLease]]>([:])
    private let polls = Mutex(0)
    private let macPolls = Mutex(0)
    private let xmlReads = Mutex(0)

    var pollCount: Int { polls.withLock { $0 } }
    /// Polls for one MAC (a discoverer's; the watcher asks for all leases).
    var macPollCount: Int { macPolls.withLock { $0 } }
    var xmlReadCount: Int { xmlReads.withLock { $0 } }

    func setLeases(_ leases: [NetworkDHCPLease], network: String) {
        table.withLock { $0[network] = leases }
    }

    func networkDHCPLeases(network: String, mac: String?) async throws(SandboxError) -> [NetworkDHCPLease] {
        polls.withLock { $0 += 1 }
        if mac != nil { macPolls.withLock { $0 += 1 } }
        return table.withLock { $0[network] ?? [] }
    }

    func state(named name: String) async throws(SandboxError) -> DomainState { .running }
    func listDomains() async throws(SandboxError) -> [DomainSummary] { [] }
    func domain(named name: String) async throws(SandboxError) -> DomainSummary? { nil }
    func domainXML(named name: String, inactive: Bool, secure: Bool) async throws(SandboxError) -> String {
        xmlReads.withLock { $0 += 1 }
        return try await inner.domainXML(named: name, inactive: inactive, secure: secure)
    }
    func define(xml: String) async throws(SandboxError) -> DomainSummary { try await inner.define(xml: xml) }
    func start(named name: String) async throws(SandboxError) {}
    func shutdown(named name: String) async throws(SandboxError) {}
    func destroy(named name: String) async throws(SandboxError) {}
    func undefine(named name: String) async throws(SandboxError) {}
    func interfaceStats(named name: String, device: String) async throws(SandboxError) -> InterfaceStats {
        try await inner.interfaceStats(named: name, device: device)
    }
    func interfaceAddresses(named name: String, source: AddressSource) async throws(SandboxError) -> [InterfaceAddress]
    {
        []
    }
    func metadata(named name: String, namespaceURI: String) async throws(SandboxError) -> String? { nil }
    func agentCommand(named name: String, command: String, timeoutSeconds: Int) async throws(SandboxError) -> String {
        try await inner.agentCommand(named: name, command: command, timeoutSeconds: timeoutSeconds)
    }
    func lifecycleEvents() async throws(SandboxError) -> AsyncStream<DomainLifecycleEvent> {
        try await inner.lifecycleEvents()
    }
}

@Suite struct LeaseWatcherTests {
    static func lease(_ mac: MACAddress, _ address: String) -> NetworkDHCPLease {
        NetworkDHCPLease(mac: mac.description, ipAddress: address, prefix: 24, expiryTime: 0, family: .ipv4)
    }

    @Test func subscribersShareOnePollAndSeeChanges() async throws {
        let domains = LeaseTableDomains()
        let watcher = LeaseWatcher(domains: domains, interval: .milliseconds(5))
        let mac = MACAddress.random()
        var first = await watcher.leases(of: "net-a").makeAsyncIterator()
        var second = await watcher.leases(of: "net-a").makeAsyncIterator()
        #expect(await watcher.activeNetworks == 1)
        #expect(await first.next() == [])
        #expect(await second.next() == [])

        domains.setLeases([Self.lease(mac, "192.0.2.7")], network: "net-a")
        #expect(await first.next() == [Self.lease(mac, "192.0.2.7")])
        #expect(await second.next() == [Self.lease(mac, "192.0.2.7")])
    }

    @Test func pollingStopsWhenTheLastSubscriberLeaves() async throws {
        let domains = LeaseTableDomains()
        let watcher = LeaseWatcher(domains: domains, interval: .milliseconds(5))
        let reader = Task {
            for await _ in await watcher.leases(of: "net-b") {}
        }
        while domains.pollCount < 3 { try await Task.sleep(for: .milliseconds(5)) }
        reader.cancel()
        await reader.value
        while await watcher.activeNetworks > 0 { try await Task.sleep(for: .milliseconds(5)) }
        let polls = domains.pollCount
        try await Task.sleep(for: .milliseconds(50))
        #expect(domains.pollCount <= polls + 1, "still polling after the last subscriber left")
    }

    /// A waiter whose own schedule would not poll again for a minute returns as soon as the
    /// watcher sees the lease: the lease is what woke it.
    @Test func aLeaseWakesTheWaiter() async throws {
        let domains = LeaseTableDomains()
        let mac = MACAddress.random()
        let discoverer = ScriptedDiscoverer([.addresses([])])
        let woken = Mutex(false)
        let waiter = IPWaiter(
            domains: domains, discoverer: discoverer,
            schedule: PollSchedule(initial: .seconds(60), factor: 1, maximum: .seconds(60)),
            leaseWatcher: LeaseWatcher(domains: domains, interval: .milliseconds(5)),
            observer: { progress in
                if case .leaseSeen = progress { woken.withLock { $0 = true } }
            })
        let wait = Task {
            try await waiter.waitForIP(domain: "sbx-lease", mac: mac, network: "net-c", timeout: .seconds(50))
        }
        var polls = discoverer.polls.makeAsyncIterator()
        _ = await polls.next()  // the first look found nothing; the schedule now sleeps a minute
        let address = DiscoveredAddress(
            address: "192.0.2.9", family: .ipv4, prefix: 24, source: .networkLeases, interfaceName: nil,
            expiryTime: 0)
        discoverer.becomeReady([address])
        domains.setLeases([Self.lease(MACAddress.random(), "192.0.2.8")], network: "net-c")
        try await Task.sleep(for: .milliseconds(30))
        #expect(woken.withLock { $0 } == false, "another MAC's lease must not wake the wait")
        domains.setLeases([Self.lease(mac, "192.0.2.9")], network: "net-c")
        #expect(try await wait.value == address)
        #expect(woken.withLock { $0 })
    }

    /// With the standard sources, a lease the watcher sees is the answer: the wait returns it
    /// without polling the network for it again, and a wait for a target reads no domain XML.
    @Test func aWatchedLeaseIsTheAnswerWithoutAnotherPoll() async throws {
        let domains = LeaseTableDomains()
        let mac = MACAddress.random()
        let waiter = IPWaiter(
            domains: domains, sources: [.networkLeases],
            schedule: PollSchedule(initial: .seconds(60), factor: 1, maximum: .seconds(60)),
            leaseWatcher: LeaseWatcher(domains: domains, interval: .milliseconds(5)))
        let target = DiscoveryTarget(domain: "sbx-watched", mac: mac, network: "net-d")
        let wait = Task { try await waiter.waitForIP(target, timeout: .fixed(.seconds(50))) }
        while domains.macPollCount == 0 { try await Task.sleep(for: .milliseconds(2)) }
        // The first look found nothing; the schedule now sleeps a minute.
        domains.setLeases([Self.lease(mac, "192.0.2.19")], network: "net-d")
        let address = try await wait.value
        #expect(address.address == "192.0.2.19")
        #expect(address.source == .networkLeases)
        #expect(domains.macPollCount == 1, "the lease was polled for again")
        #expect(domains.xmlReadCount == 0)
    }
}

import Foundation
import SandboxCoreTesting
import Synchronization
import Testing

@testable import SandboxCore

/// A discoverer answering from a script: each call takes the next answer (the last one repeats)
/// and reports the call on `polls`.
final class ScriptedDiscoverer: IPDiscoverer {
    enum Answer: Sendable {
        case addresses([DiscoveredAddress])
        case failure(SandboxError)
    }

    private let answers: Mutex<[Answer]>
    private let ready = Mutex<[DiscoveredAddress]?>(nil)
    let polls: AsyncStream<Int>
    private let pollContinuation: AsyncStream<Int>.Continuation
    private let count = Mutex(0)

    init(_ answers: [Answer]) {
        self.answers = Mutex(answers)
        (polls, pollContinuation) = AsyncStream.makeStream(of: Int.self)
    }

    /// From now on, every call answers `addresses`.
    func becomeReady(_ addresses: [DiscoveredAddress]) {
        ready.withLock { $0 = addresses }
    }

    func addresses(domain: String, mac: MACAddress) async throws(SandboxError) -> [DiscoveredAddress] {
        let number = count.withLock { count in
            count += 1
            return count
        }
        defer { pollContinuation.yield(number) }
        if let ready = ready.withLock({ $0 }) { return ready }
        let answer = answers.withLock { answers in answers.count > 1 ? answers.removeFirst() : answers.first }
        switch answer {
        case .addresses(let found)?: return found
        case .failure(let error)?: throw error
        case nil: return []
        }
    }

    /// Waits until at least `n` calls have happened.
    func waitForPolls(_ n: Int) async {
        for await number in polls where number >= n { return }
    }
}

/// A domain manager whose guest never gets on the network: no addresses, no packets.
final class SilentGuestDomainManager: NetworklessDomains, @unchecked Sendable {
    let inner: any DomainManager
    init(_ inner: any DomainManager) { self.inner = inner }

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
        _ = try await inner.interfaceStats(named: name, device: device)
        return InterfaceStats(
            rxBytes: 0, rxPackets: 0, rxErrors: 0, rxDrops: 0, txBytes: 0, txPackets: 0, txErrors: 0, txDrops: 0)
    }
    func interfaceAddresses(named name: String, source: AddressSource) async throws(SandboxError) -> [InterfaceAddress]
    {
        _ = try await inner.interfaceAddresses(named: name, source: .lease)
        return []
    }
    func networkDHCPLeases(network: String, mac: String?) async throws(SandboxError) -> [NetworkDHCPLease] { [] }
    func metadata(named name: String, namespaceURI: String) async throws(SandboxError) -> String? {
        try await inner.metadata(named: name, namespaceURI: namespaceURI)
    }
    func agentCommand(named name: String, command: String, timeoutSeconds: Int) async throws(SandboxError) -> String {
        try await inner.agentCommand(named: name, command: command, timeoutSeconds: timeoutSeconds)
    }
    func lifecycleEvents() async throws(SandboxError) -> AsyncStream<DomainLifecycleEvent> {
        try await inner.lifecycleEvents()
    }
}

@Suite struct DiscoveryCompositeTests {
    static let mac = MACAddress("52:54:00:12:34:56")!
    static let found = [DiscoveredAddress(address: "10.0.0.5", family: .ipv4, prefix: 24, source: .agent)]
    static let unavailable = SandboxError(.agentUnavailable, "agent not connected")
    static let broken = SandboxError(.libvirt, "broken")

    static func composite(_ answers: [ScriptedDiscoverer.Answer]) -> CompositeDiscoverer {
        let sources: [DiscoverySource] = [.lease, .networkLeases, .agent, .arp]
        return CompositeDiscoverer(
            strategies: answers.enumerated().map { (sources[$0.offset], ScriptedDiscoverer([$0.element])) })
    }

    @Test func firstNonEmptyAnswerWins() async throws {
        let composite = Self.composite([
            .addresses([]), .failure(Self.unavailable), .failure(Self.broken), .addresses(Self.found),
        ])
        #expect(try await composite.addresses(domain: "d", mac: Self.mac) == Self.found)
    }

    @Test func emptyWhenSourcesAnswerNothingOrAreUnavailable() async throws {
        #expect(
            try await Self.composite([.failure(Self.unavailable), .addresses([])]).addresses(domain: "d", mac: Self.mac)
                .isEmpty)
        #expect(try await Self.composite([.failure(Self.unavailable)]).addresses(domain: "d", mac: Self.mac).isEmpty)
        #expect(
            try await Self.composite([.failure(Self.broken), .addresses([])]).addresses(domain: "d", mac: Self.mac)
                .isEmpty)
    }

    @Test func throwsWhenEverySourceFails() async {
        let failing = Self.composite([.failure(Self.broken), .failure(SandboxError(.libvirt, "also broken"))])
        await #expect(throws: Self.broken) { try await failing.addresses(domain: "d", mac: Self.mac) }
        let missing = SandboxError(.notFound, "gone")
        let gone = Self.composite([.failure(missing), .addresses(Self.found)])
        await #expect(throws: missing) { try await gone.addresses(domain: "d", mac: Self.mac) }
    }

    @Test func probeReportsEverySource() async {
        let reports = await Self.composite([
            .addresses([]), .failure(Self.unavailable), .failure(Self.broken), .addresses(Self.found),
        ])
        .probe(domain: "d", mac: Self.mac)
        #expect(reports.map(\.source) == [.lease, .networkLeases, .agent, .arp])
        #expect(reports.map(\.outcome) == [.empty, .unavailable, .failed, .found])
        #expect(reports[2].message == "broken")
        #expect(reports[3].addresses == Self.found)
    }

    @Test func standardCompositeFollowsTheOrderOnce() {
        let composite = CompositeDiscoverer(
            domains: PlaceholderDomains(),
            order: [.agent, .lease, .agent])
        #expect(composite.strategies.map(\.source) == [.agent, .lease])
        #expect(DiscoverySource(rawValue: "leases") == .networkLeases)
        #expect(DiscoverySource.defaultOrder == [.lease, .networkLeases, .agent, .arp])
    }
}

/// A domain manager with no domains at all.
struct PlaceholderDomains: NetworklessDomains {
    static func missing(_ name: String) -> SandboxError { SandboxError(.notFound, "no domain \(name)") }
    func listDomains() async throws(SandboxError) -> [DomainSummary] { [] }
    func domain(named name: String) async throws(SandboxError) -> DomainSummary? { nil }
    func domainXML(named name: String, inactive: Bool, secure: Bool) async throws(SandboxError) -> String {
        throw Self.missing(name)
    }
    func define(xml: String) async throws(SandboxError) -> DomainSummary { throw SandboxError(.libvirt, "read-only") }
    func start(named name: String) async throws(SandboxError) { throw Self.missing(name) }
    func shutdown(named name: String) async throws(SandboxError) { throw Self.missing(name) }
    func destroy(named name: String) async throws(SandboxError) { throw Self.missing(name) }
    func undefine(named name: String) async throws(SandboxError) { throw Self.missing(name) }
    func state(named name: String) async throws(SandboxError) -> DomainState { throw Self.missing(name) }
    func interfaceStats(named name: String, device: String) async throws(SandboxError) -> InterfaceStats {
        throw Self.missing(name)
    }
    func interfaceAddresses(named name: String, source: AddressSource) async throws(SandboxError) -> [InterfaceAddress]
    {
        throw Self.missing(name)
    }
    func networkDHCPLeases(network: String, mac: String?) async throws(SandboxError) -> [NetworkDHCPLease] { [] }
    func metadata(named name: String, namespaceURI: String) async throws(SandboxError) -> String? {
        throw Self.missing(name)
    }
    func agentCommand(named name: String, command: String, timeoutSeconds: Int) async throws(SandboxError) -> String {
        throw Self.missing(name)
    }
    func lifecycleEvents() async throws(SandboxError) -> AsyncStream<DomainLifecycleEvent> {
        throw SandboxError(.libvirt, "no events")
    }
}

/// Discovery, waiting and diagnosis against libvirt's `test:///default` driver, whose lease
/// source makes up a 192.168.122.x address for a running domain's NIC.
@Suite struct DiscoveryIntegrationTests {
    /// A test-driver domain with one NIC on `default`, a seed CD-ROM and a console log, in `folder`.
    struct Guest {
        let connection: LibvirtConnection
        let folder: TemporaryFolder
        let name: String
        let mac: MACAddress
        var seedPath: String { folder.file("cloud-init.iso") }
        var consolePath: String { folder.file("console.log") }

        static func make(start: Bool = true, seed: Bool = true, metadata: String = "") async throws -> Guest {
            let connection = try await LibvirtConnection(uri: "test:///default")
            let guest = Guest(
                connection: connection, folder: try TemporaryFolder(),
                name: "sbx-disc-" + UUID().uuidString.prefix(8).lowercased(), mac: MACAddress.random())
            _ = try guest.folder.write("iso", to: "cloud-init.iso")
            _ = try guest.folder.write("instance-id: \(guest.name)\nlocal-hostname: \(guest.name)\n", to: "meta-data")
            _ = try guest.folder.write("version: 2\nethernets: {}\n", to: "network-config")
            _ = try guest.folder.write((1...25).map { "boot \($0)" }.joined(separator: "\n") + "\n", to: "console.log")
            let cdrom =
                seed
                ? """
                <disk type='file' device='cdrom'><driver name='qemu' type='raw'/><source file='\(guest.seedPath)'/>
                  <target dev='sda' bus='scsi'/><readonly/></disk>
                """ : ""
            _ = try await connection.define(
                xml: """
                    <domain type='test'>
                      <name>\(guest.name)</name>
                      <memory unit='MiB'>64</memory>
                      <os><type arch='x86_64'>hvm</type></os>
                      <devices>
                        \(cdrom)
                        <interface type='network'><mac address='\(guest.mac)'/><source network='default'/></interface>
                      </devices>
                      \(metadata.isEmpty ? "" : "<metadata>\(metadata)</metadata>")
                    </domain>
                    """)
            if start { try await connection.start(named: guest.name) }
            return guest
        }

        func remove() async {
            try? await connection.destroy(named: name)
            try? await connection.undefine(named: name)
            await connection.close()
            folder.remove()
        }
    }

    /// The address the test driver makes up for the guest's NIC. It depends on the domain's id, which
    /// grows with every domain the process has started (`192.168.122.x` rolls over into `.123.x`), so
    /// tests compare with it instead of a fixed prefix.
    static func testDriverLease(_ guest: Guest) async throws -> String? {
        let addresses = try await guest.connection.interfaceAddresses(named: guest.name, source: .lease)
        return addresses.first { $0.family == .ipv4 && $0.mac?.lowercased() == guest.mac.description }?.address
    }

    @Test func compositeFindsTheLeaseAddressOfARunningDomain() async throws {
        let guest = try await Guest.make()
        let composite = CompositeDiscoverer(domains: guest.connection)
        let addresses = try await composite.addresses(domain: guest.name, mac: guest.mac)
        let first = try #require(addresses.first)
        #expect(first.source == .lease)
        #expect(first.family == .ipv4)
        #expect(try await Self.testDriverLease(guest) == first.address)
        #expect(first.prefix > 0)

        // The lease source alone agrees; another MAC has nothing.
        #expect(
            try await LeaseDiscoverer(domains: guest.connection).addresses(domain: guest.name, mac: guest.mac)
                == addresses)
        #expect(try await composite.addresses(domain: guest.name, mac: MACAddress.random()).isEmpty)

        // Sources the mock driver lacks are "unavailable", never a crash.
        let reports = await composite.probe(domain: guest.name, mac: guest.mac)
        #expect(reports.map(\.source) == DiscoverySource.defaultOrder)
        #expect(reports[0].outcome == .found)
        for report in reports.dropFirst() {
            #expect(report.outcome != .failed, "\(report)")
        }
        do {
            let leases = try await NetworkLeaseDiscoverer(domains: guest.connection).addresses(
                domain: guest.name, mac: guest.mac)
            #expect(leases.allSatisfy { $0.source == .networkLeases })
        } catch {
            #expect(error.isSourceUnavailable, "\(error)")
        }
        await guest.remove()
    }

    @Test func aMissingDomainIsNotFound() async throws {
        let connection = try await LibvirtConnection(uri: "test:///default")
        let name = "sbx-disc-missing-" + UUID().uuidString.prefix(8).lowercased()
        await #expect(throws: SandboxError.self) {
            try await CompositeDiscoverer(domains: connection).addresses(domain: name, mac: MACAddress.random())
        }
        do {
            _ = try await IPWaiter(domains: connection).waitForIP(
                domain: name, mac: MACAddress.random(), timeout: .seconds(30))
            Issue.record("waited for a missing domain")
        } catch {
            #expect(error.code == .notFound)
        }
        let diagnosis = await Diagnoser(domains: connection).diagnose(domain: name, mac: MACAddress.random())
        #expect(diagnosis.state == nil)
        #expect(diagnosis.verdict.stage == .domainMissing)
        await connection.close()
    }

    @Test func waitingReturnsTheAddressOfARunningDomain() async throws {
        let guest = try await Guest.make()
        let progress = Mutex<[IPWaitProgress]>([])
        let waiter = IPWaiter(domains: guest.connection, observer: { event in progress.withLock { $0.append(event) } })
        let address = try await waiter.waitForIP(domain: guest.name, mac: guest.mac, timeout: .seconds(60))
        #expect(try await Self.testDriverLease(guest) == address.address)
        #expect(address.source == .lease)
        let seen = progress.withLock { $0 }
        #expect(seen.first == .subscribed(events: true))
        #expect(seen.contains { if case .polled(1, _, true) = $0 { true } else { false } })
        #expect(try await waiter.currentAddress(domain: guest.name, mac: guest.mac) == address)
        await guest.remove()
    }

    @Test func waitingOnAShutOffDomainFailsFastWithADiagnosis() async throws {
        let guest = try await Guest.make(start: false)
        do {
            let address = try await IPWaiter(domains: guest.connection).waitForIP(
                domain: guest.name, mac: guest.mac, timeout: .milliseconds(300))
            Issue.record("a shut-off domain got \(address)")
        } catch {
            #expect(error.code == .notRunning || error.code == .timeout)
            let diagnosis = try #require(error.diagnosis)
            #expect(diagnosis.state == .shutOff)
            #expect(diagnosis.verdict.stage == .notRunning)
            #expect(error.message.contains("domain is shut off"))
            #expect(diagnosis.agent == .notChecked)
        }
        await guest.remove()
    }

    @Test func timeoutCarriesTheVerdict() async throws {
        let guest = try await Guest.make()
        let silent = SilentGuestDomainManager(guest.connection)
        #expect(try await IPWaiter(domains: silent).currentAddress(domain: guest.name, mac: guest.mac) == nil)
        do {
            let address = try await IPWaiter(domains: silent).waitForIP(
                domain: guest.name, mac: guest.mac, timeout: .milliseconds(300), seedPath: guest.seedPath,
                consoleLogPath: guest.consolePath)
            Issue.record("a silent guest got \(address)")
        } catch {
            #expect(error.code == .timeout)
            let diagnosis = try #require(error.diagnosis)
            #expect(diagnosis.verdict.stage == .noPackets)
            #expect(diagnosis.interface.stats?.txPackets == 0)
            #expect(error.message.contains("guest sent no packets"))
            #expect(error.message.contains("within 300ms (given by the caller)"))
            #expect(diagnosis.seed.instanceID == guest.name)
        }
        await guest.remove()
    }

    @Test func theDomainStoppingEndsTheWait() async throws {
        let guest = try await Guest.make()
        let discoverer = ScriptedDiscoverer([.addresses([])])
        let waiter = IPWaiter(domains: guest.connection, discoverer: discoverer)
        let wait = Task { () async throws -> DiscoveredAddress in
            try await waiter.waitForIP(domain: guest.name, mac: guest.mac, timeout: .seconds(120))
        }
        await discoverer.waitForPolls(1)
        try await guest.connection.destroy(named: guest.name)
        // Only the stop event (or the state check it triggers) can end the wait this early.
        switch await wait.result {
        case .success(let address):
            Issue.record("got \(address) from a stopped domain")
        case .failure(let error):
            let failure = try #require(error as? SandboxError)
            #expect(failure.code == .notRunning)
            #expect(failure.diagnosis?.verdict.stage == .notRunning)
        }
        await guest.remove()
    }

    @Test func anEventWakesTheWaiterAtOnce() async throws {
        let guest = try await Guest.make()
        let discoverer = ScriptedDiscoverer([.addresses([])])
        // Polling alone would look again only after ten minutes, beyond the timeout.
        let waiter = IPWaiter(
            domains: guest.connection, discoverer: discoverer,
            schedule: PollSchedule(initial: .seconds(600), factor: 1, maximum: .seconds(600)))
        let wait = Task { () async throws -> DiscoveredAddress in
            try await waiter.waitForIP(domain: guest.name, mac: guest.mac, timeout: .seconds(300))
        }
        await discoverer.waitForPolls(1)
        let expected = DiscoveredAddress(address: "10.9.8.7", family: .ipv4, prefix: 24, source: .agent)
        discoverer.becomeReady([expected])
        // Redefining the domain emits a "defined" event for it.
        _ = try await guest.connection.define(
            xml: try await guest.connection.domainXML(named: guest.name, inactive: true))
        #expect(try await wait.value == expected)
        await guest.remove()
    }

    @Test func cancellingEndsTheWait() async throws {
        let guest = try await Guest.make()
        let discoverer = ScriptedDiscoverer([.addresses([])])
        let waiter = IPWaiter(domains: guest.connection, discoverer: discoverer)
        let wait = Task { () async throws -> DiscoveredAddress in
            try await waiter.waitForIP(domain: guest.name, mac: guest.mac, timeout: .seconds(300))
        }
        await discoverer.waitForPolls(2)
        wait.cancel()
        switch await wait.result {
        case .success(let address): Issue.record("got \(address)")
        case .failure(let error): #expect((error as? SandboxError)?.code == .cancelled)
        }
        await guest.remove()
    }

    @Test func transientFailuresAreRetried() async throws {
        let guest = try await Guest.make()
        let expected = DiscoveredAddress(address: "10.1.1.1", family: .ipv4, prefix: 24, source: .lease)
        let discoverer = ScriptedDiscoverer([
            .failure(SandboxError(.libvirt, "hiccup")), .addresses([]), .addresses([expected]),
        ])
        let waiter = IPWaiter(
            domains: guest.connection, discoverer: discoverer,
            schedule: PollSchedule(initial: .milliseconds(1), factor: 1, maximum: .milliseconds(1)))
        #expect(try await waiter.waitForIP(domain: guest.name, mac: guest.mac, timeout: .seconds(120)) == expected)
        await guest.remove()
    }

    @Test func diagnoseARunningTestDomain() async throws {
        let guest = try await Guest.make()
        let diagnosis = await Diagnoser(domains: guest.connection).diagnose(
            domain: guest.name, mac: guest.mac, seedPath: guest.seedPath, consoleLogPath: guest.consolePath)
        #expect(diagnosis.state == .running)
        #expect(diagnosis.mac == guest.mac)
        #expect(diagnosis.interface.network == "default")
        let stats = try #require(diagnosis.interface.stats)
        #expect(stats.txPackets >= 0 && stats.rxBytes >= 0)
        #expect(diagnosis.seed.attached)
        #expect(diagnosis.seed.path == guest.seedPath)
        #expect(diagnosis.seed.isExpected == true)
        #expect(diagnosis.seed.instanceID == guest.name)
        #expect(diagnosis.seed.networkConfig?.hasPrefix("version: 2") == true)
        #expect(diagnosis.leases != nil || diagnosis.leasesError != nil)
        #expect(diagnosis.sources.first?.outcome == .found)
        #expect(try await diagnosis.domainAddresses.first?.address == Self.testDriverLease(guest))
        if case .responding = diagnosis.agent { Issue.record("the mock driver has no guest agent") }
        #expect(diagnosis.consoleTail?.count == 20)
        #expect(diagnosis.consoleTail?.last == "boot 25")
        #expect(diagnosis.verdict.stage == .addressFound)
        let lease = try await Self.testDriverLease(guest) ?? "?"
        #expect(diagnosis.report.hasPrefix("verdict: address-found: address found: \(lease)"), "\(diagnosis.report)")

        // It survives a JSON round trip.
        let json = try JSONEncoder().encode(diagnosis)
        #expect(try JSONDecoder().decode(Diagnosis.self, from: json) == diagnosis)
        await guest.remove()
    }

    @Test func diagnoseWithoutSeedOrConsole() async throws {
        let guest = try await Guest.make(seed: false)
        let diagnosis = await Diagnoser(domains: SilentGuestDomainManager(guest.connection)).diagnose(
            domain: guest.name, mac: guest.mac)
        #expect(!diagnosis.seed.attached)
        #expect(diagnosis.consoleTail == nil)
        #expect(diagnosis.consoleError != nil)
        #expect(diagnosis.verdict.stage == .noSeed)
        await guest.remove()
    }

    @Test func agentCommandsWithoutAnAgentAreAgentUnavailable() async throws {
        let guest = try await Guest.make()
        do {
            let reply = try await guest.connection.agentCommand(
                named: guest.name, command: #"{"execute":"guest-ping"}"#, timeoutSeconds: 1)
            Issue.record("the mock driver answered \(reply)")
        } catch {
            #expect(error.code == .agentUnavailable)
            #expect(error.underlying?.operation == "virDomainQemuAgentCommand", "\(error)")
            #expect(error.isSourceUnavailable)
        }
        await #expect(throws: SandboxError.self) {
            try await guest.connection.agentCommand(named: guest.name, command: "{}", timeoutSeconds: -1)
        }
        await guest.remove()
    }

    @Test func effectiveTimeoutOfATestDomainAndItsBase() async throws {
        let base = try await Guest.make(start: false, metadata: BaseVMHints.metadataXML(expectedBootSeconds: 400))
        let guest = try await Guest.make()
        #expect(try await BaseVMHints.expectedBootSeconds(ofBase: base.name, domains: base.connection) == 400)
        let timeout = DiscoveryTimeout()
        let plain = try await timeout.effective(domain: guest.name, domains: guest.connection)
        #expect(plain.duration == .seconds(120))
        let raised = try await timeout.effective(domain: guest.name, domains: guest.connection, baseVM: base.name)
        #expect(raised.duration == .seconds(800))
        let missingBase = try await timeout.effective(
            domain: guest.name, domains: guest.connection, baseVM: "no-such-base")
        #expect(missingBase.duration == .seconds(120))
        await guest.remove()
        await base.remove()
    }
}

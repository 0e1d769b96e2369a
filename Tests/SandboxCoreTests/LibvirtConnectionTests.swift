import Foundation
import Testing

@testable import SandboxCore
@testable import SandboxLibvirt

/// Integration tests against libvirt's in-process mock driver.
///
/// All `test:///default` connections of one process share one driver state while any of them is
/// open, and every connection receives the events of every domain. Tests therefore run in parallel
/// only because each one uses domain names of its own and filters events by name.
@Suite struct LibvirtConnectionTests {
    static let uri = "test:///default"
    static let metadataNamespace = "urn:x-swift-libvirt-sandbox:test"

    @Test func listsTheBuiltInRunningTestDomain() async throws {
        let connection = try await LibvirtConnection(uri: Self.uri)
        let domains = try await connection.listDomains()
        let test = try #require(domains.first { $0.name == "test" })
        #expect(test.state == .running)
        #expect(test.isPersistent)
        #expect(test.id != nil)
        #expect(test.uuid.count == 36)
        #expect(try await connection.state(named: "test") == .running)
        #expect(try await connection.domain(named: "test") == test)
        let version = try await connection.libvirtVersion()
        #expect(version.major >= 1)
        await connection.close()
    }

    @Test func domainLifecycle() async throws {
        let connection = try await LibvirtConnection(uri: Self.uri)
        let name = Self.uniqueName("life")
        let mac = MACAddress.random().description
        let events = try await connection.lifecycleEvents()

        // define → shut off, persistent, metadata readable
        let defined = try await connection.define(xml: Self.domainXML(name: name, mac: mac))
        #expect(defined.name == name)
        #expect(defined.state == .shutOff)
        #expect(defined.isPersistent)
        #expect(defined.id == nil)
        #expect(try await connection.domain(named: name) == defined)
        let metadata = try #require(try await connection.metadata(named: name, namespaceURI: Self.metadataNamespace))
        #expect(metadata.contains("<job>42</job>"))
        #expect(try await connection.metadata(named: name, namespaceURI: "urn:x-absent") == nil)
        let inactiveXML = try await connection.domainXML(named: name, inactive: true)
        #expect(inactiveXML.contains("<name>\(name)</name>"))
        #expect(inactiveXML.contains(mac))

        // start → running, events arrive
        try await connection.start(named: name)
        #expect(try await connection.state(named: name) == .running)
        #expect(try await connection.domain(named: name)?.id != nil)
        let seen = await Self.collect(events, of: name, until: [.defined, .started])
        #expect(seen.map(\.kind) == [.defined, .started])
        #expect(seen.allSatisfy { $0.uuid == defined.uuid })

        // metadata of a running domain still comes from its configuration
        #expect(try await connection.metadata(named: name, namespaceURI: Self.metadataNamespace) == metadata)

        // interface statistics, by MAC and by host-side device name
        let stats = try await connection.interfaceStats(named: name, device: mac)
        #expect(stats.rxBytes >= 0 && stats.txPackets >= 0)
        let liveXML = try await connection.domainXML(named: name, inactive: false)
        if let device = Self.targetDevice(in: liveXML) {
            _ = try await connection.interfaceStats(named: name, device: device)
        }
        await #expect(throws: SandboxError.self) {
            try await connection.interfaceStats(named: name, device: "no-such-device")
        }

        // the mock driver makes up an address from the lease "database"
        let addresses = try await connection.interfaceAddresses(named: name, source: .lease)
        let address = try #require(addresses.first)
        #expect(address.mac == mac)
        #expect(address.family == .ipv4)
        #expect(address.prefix > 0 && address.prefix <= 32)
        #expect(!address.address.isEmpty)

        // destroy → shut off; destroying again is not an error
        try await connection.destroy(named: name)
        #expect(try await connection.state(named: name) == .shutOff)
        try await connection.destroy(named: name)
        let stopped = await Self.collect(events, of: name, until: [.stopped])
        #expect(stopped.map(\.kind) == [.stopped])

        // undefine → gone
        try await connection.undefine(named: name)
        #expect(try await connection.domain(named: name) == nil)
        #expect(try await connection.listDomains().contains { $0.name == name } == false)
        let undefined = await Self.collect(events, of: name, until: [.undefined])
        #expect(undefined.map(\.kind) == [.undefined])
        do {
            try await connection.undefine(named: name)
            Issue.record("undefining a missing domain succeeded")
        } catch {
            #expect(error.code == .notFound)
        }
        await connection.close()
    }

    @Test func shutdownFallsBackToTheDriversDefaultMethod() async throws {
        let connection = try await LibvirtConnection(uri: Self.uri)
        let name = Self.uniqueName("shutdown")
        _ = try await connection.define(xml: Self.domainXML(name: name, mac: MACAddress.random().description))
        try await connection.start(named: name)
        // The mock driver rejects the ACPI flag and then powers off at once.
        try await connection.shutdown(named: name)
        #expect(try await connection.state(named: name) == .shutOff)
        try await connection.undefine(named: name)
        await connection.close()
    }

    @Test func dhcpLeasesOfTheDefaultNetwork() async throws {
        let connection = try await LibvirtConnection(uri: Self.uri)
        do {
            let leases = try await connection.networkDHCPLeases(network: "default")
            #expect(leases.allSatisfy { !$0.ipAddress.isEmpty })
        } catch {
            // libvirt 9's mock driver does not implement virNetworkGetDHCPLeases.
            #expect(error.code == .libvirt)
            #expect(error.underlying?.operation == "virNetworkGetDHCPLeases")
        }
        await #expect(throws: SandboxError.self) {
            try await connection.networkDHCPLeases(network: "no-such-network", mac: nil)
        }
        do {
            _ = try await connection.networkDHCPLeases(network: "no-such-network", mac: nil)
        } catch {
            #expect(error.code == .notFound)
        }
        await connection.close()
    }

    @Test func invalidXMLIsALibvirtErrorWithDetails() async throws {
        let connection = try await LibvirtConnection(uri: Self.uri)
        do {
            _ = try await connection.define(xml: "<domain type='test'><name>broken</name")
            Issue.record("defining malformed XML succeeded")
        } catch {
            #expect(error.code == .libvirt)
            let underlying = try #require(error.underlying)
            #expect(underlying.operation == "virDomainDefineXML")
            #expect(!underlying.message.isEmpty)
            #expect(underlying.domain != nil)
            #expect(underlying.code != 0)
        }
        await connection.close()
    }

    @Test func missingDomainsAreNotFound() async throws {
        let connection = try await LibvirtConnection(uri: Self.uri)
        let name = Self.uniqueName("missing")
        await Self.expectNotFound { try await connection.start(named: name) }
        await Self.expectNotFound { try await connection.destroy(named: name) }
        await Self.expectNotFound { try await connection.undefine(named: name) }
        await Self.expectNotFound { try await connection.state(named: name) }
        await Self.expectNotFound { try await connection.domainXML(named: name, inactive: false) }
        await Self.expectNotFound { try await connection.metadata(named: name, namespaceURI: Self.metadataNamespace) }
        #expect(try await connection.domain(named: name) == nil)
        await connection.close()
    }

    @Test func definingATakenNameWithAnotherUUIDIsNameTaken() async throws {
        let connection = try await LibvirtConnection(uri: Self.uri)
        let name = Self.uniqueName("dup")
        let first = try await connection.define(xml: Self.domainXML(name: name, mac: MACAddress.random().description))
        let otherUUID = UUID().uuidString.lowercased()
        #expect(otherUUID != first.uuid)
        do {
            _ = try await connection.define(
                xml: Self.domainXML(name: name, uuid: otherUUID, mac: MACAddress.random().description))
            Issue.record("a second domain with the same name was defined")
        } catch {
            #expect(error.code == .nameTaken)
            #expect(error.underlying?.operation == "virDomainDefineXML")
        }
        #expect(try await connection.domain(named: name)?.uuid == first.uuid)
        try await connection.undefine(named: name)
        await connection.close()
    }

    @Test func openingAnUnknownURIFails() async {
        do {
            _ = try await LibvirtConnection(uri: "bogus:///x")
            Issue.record("opened bogus:///x")
        } catch {
            #expect(error.code == .libvirt)
            #expect(error.underlying?.operation == "virConnectOpen")
            #expect(error.underlying?.message.isEmpty == false)
        }
    }

    @Test func manyConcurrentCallersShareOneConnection() async throws {
        let connection = try await LibvirtConnection(uri: Self.uri)
        let names = (0..<20).map { Self.uniqueName("many\($0)") }
        let defined = try await withThrowingTaskGroup(of: DomainSummary.self) { group in
            for name in names {
                group.addTask {
                    try await connection.define(xml: Self.domainXML(name: name, mac: MACAddress.random().description))
                }
            }
            return try await group.reduce(into: Set<String>()) { $0.insert($1.name) }
        }
        #expect(defined == Set(names))
        let listed = Set(try await connection.listDomains().map(\.name))
        #expect(listed.isSuperset(of: names))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for name in names {
                group.addTask { try await connection.undefine(named: name) }
            }
            try await group.waitForAll()
        }
        let remaining = Set(try await connection.listDomains().map(\.name))
        #expect(remaining.isDisjoint(with: names))
        await connection.close()
    }

    @Test func callsRunOnTheConnectionsOwnThread() async throws {
        let first = try await LibvirtConnection(uri: Self.uri)
        let second = try await LibvirtConnection(uri: Self.uri)
        let a = await first.debugExecutionContext()
        let b = await second.debugExecutionContext()
        let again = await first.debugExecutionContext()
        #expect(a.isExecutorThread && b.isExecutorThread)
        #expect(a.threadName == "libvirt-conn")
        #expect(a.threadID == again.threadID)
        #expect(a.threadID != b.threadID)
        // …and not on the thread this test runs on (the cooperative pool).
        #expect(UInt(pthread_self()) != a.threadID)
        await first.close()
        await second.close()
    }

    @Test func oneEventLoopThreadPerProcess() async throws {
        let first = try await LibvirtConnection(uri: Self.uri)
        let second = try await LibvirtConnection(uri: Self.uri)
        // Threads of other tests may end while we look, hence `try?`.
        let names = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").compactMap { task in
            try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(names.filter { $0 == LibvirtRuntime.eventLoopThreadName }.count == 1)
        #expect(names.filter { $0 == "libvirt-conn" }.count >= 2)
        await first.close()
        await second.close()
    }

    @Test func closingEndsEventStreamsAndLaterCallsFail() async throws {
        let connection = try await LibvirtConnection(uri: Self.uri)
        let events = try await connection.lifecycleEvents()
        let consumer = Task {
            var count = 0
            for await _ in events { count += 1 }
            return count
        }
        await connection.close()
        _ = await consumer.value  // returns only because the stream finished
        await connection.close()  // closing twice is harmless
        do {
            _ = try await connection.listDomains()
            Issue.record("listing domains on a closed connection succeeded")
        } catch {
            #expect(error.code == .libvirt)
        }
        await #expect(throws: SandboxError.self) { try await connection.lifecycleEvents() }
    }

    @Test func cancelledStreamsUnsubscribeAndNewOnesStillWork() async throws {
        let connection = try await LibvirtConnection(uri: Self.uri)
        let name = Self.uniqueName("resub")
        do {
            let first = try await connection.lifecycleEvents()
            let consumer = Task { for await _ in first {} }
            consumer.cancel()
            await consumer.value
        }
        await Task.yield()
        let second = try await connection.lifecycleEvents()
        _ = try await connection.define(xml: Self.domainXML(name: name, mac: MACAddress.random().description))
        let seen = await Self.collect(second, of: name, until: [.defined])
        #expect(seen.map(\.kind) == [.defined])
        try await connection.undefine(named: name)
        await connection.close()
    }

    @Test func releasingAnOpenConnectionClosesIt() async throws {
        var connection: LibvirtConnection? = try await LibvirtConnection(uri: Self.uri)
        let events = try await connection?.lifecycleEvents()
        connection = nil
        // The actor's deinit closes the connection, which ends the stream.
        if let events {
            for await _ in events {}
        }
    }

    // MARK: - Helpers

    static func uniqueName(_ prefix: String) -> String {
        "sbx-\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    static func domainXML(name: String, uuid: String? = nil, mac: String) -> String {
        """
        <domain type='test'>
          <name>\(name)</name>\(uuid.map { "\n  <uuid>\($0)</uuid>" } ?? "")
          <memory unit='MiB'>64</memory>
          <os><type>hvm</type></os>
          <devices>
            <interface type='network'>
              <source network='default'/>
              <mac address='\(mac)'/>
            </interface>
          </devices>
          <metadata>
            <sb:sandbox xmlns:sb='\(metadataNamespace)'><sb:job>42</sb:job></sb:sandbox>
          </metadata>
        </domain>
        """
    }

    static func expectNotFound<Result>(
        _ body: () async throws -> Result, sourceLocation: SourceLocation = #_sourceLocation
    ) async {
        do {
            _ = try await body()
            Issue.record("operation on a missing domain succeeded", sourceLocation: sourceLocation)
        } catch let error as SandboxError {
            #expect(error.code == .notFound, sourceLocation: sourceLocation)
            #expect(error.underlying?.operation == "virDomainLookupByName", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
    }

    static func targetDevice(in xml: String) -> String? {
        guard let range = xml.range(of: #"<target dev='([^']+)'"#, options: .regularExpression) else { return nil }
        return xml[range].split(separator: "'").dropFirst().first.map(String.init)
    }

    /// Events about domain `name`, read from `stream` until all of `kinds` have been seen or a
    /// generous deadline passes (the deadline only bounds a failing test).
    static func collect(
        _ stream: AsyncStream<DomainLifecycleEvent>, of name: String, until kinds: Set<DomainLifecycleEvent.Kind>
    ) async -> [DomainLifecycleEvent] {
        await withTaskGroup(of: [DomainLifecycleEvent]?.self) { group in
            group.addTask {
                var seen: [DomainLifecycleEvent] = []
                var missing = kinds
                for await event in stream where event.domainName == name {
                    seen.append(event)
                    missing.remove(event.kind)
                    if missing.isEmpty { break }
                }
                return seen
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(30))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? []
        }
    }
}

import Foundation
import Synchronization

@testable import SandboxCore
@testable import SandboxDomainXML

/// Watches one sandbox from outside the library, to measure how soon the library knows its
/// address: when its lease appears in libvirt's own lease file (dnsmasq's status file, which
/// `virNetworkGetDHCPLeases` reads), read every 2 ms; and when the original system's way — a
/// `virsh domifaddr --source lease` every 2 s from the create on — would first have shown it.
final class LeaseLatencyProbe: Sendable {
    let domain: String
    private let clock = ContinuousClock()
    private let leaseSeen = Mutex<ContinuousClock.Instant?>(nil)
    private let virshSaw = Mutex<ContinuousClock.Instant?>(nil)
    private let tasks = Mutex<[Task<Void, Never>]>([])

    init(domain: String) { self.domain = domain }

    /// Starts watching. `statusFile` is the network's lease file on this host.
    func start(connection: LibvirtConnection, uri: String, statusFile: String) {
        let watchFile = Task { [self] in
            guard let mac = await macOnceDefined(connection) else { return }
            while !Task.isCancelled {
                if let data = FileManager.default.contents(atPath: statusFile),
                    String(decoding: data, as: UTF8.self).lowercased().contains(mac)
                {
                    let now = clock.now
                    leaseSeen.withLock { $0 = now }
                    return
                }
                try? await Task.sleep(for: .milliseconds(2))
            }
        }
        let virshLoop = Task { [self] in
            while !Task.isCancelled {
                let tick = clock.now
                if Self.virshShowsAnAddress(uri: uri, domain: domain) {
                    let now = clock.now
                    virshSaw.withLock { $0 = now }
                    return
                }
                try? await Task.sleep(until: tick + .seconds(2))
            }
        }
        tasks.withLock { $0 = [watchFile, virshLoop] }
    }

    /// Waits (up to `timeout`) for both observations and stops. Milliseconds from the lease to
    /// `known` (when the library reported the address), and from the lease to the virsh loop.
    func finish(libraryKnewAt known: ContinuousClock.Instant, timeout: Duration = .seconds(10)) async -> (
        library: Double?, virshLoop: Double?
    ) {
        let deadline = clock.now + timeout
        while clock.now < deadline, leaseSeen.withLock({ $0 }) == nil || virshSaw.withLock({ $0 }) == nil {
            try? await Task.sleep(for: .milliseconds(20))
        }
        for task in tasks.withLock({ $0 }) { task.cancel() }
        guard let lease = leaseSeen.withLock({ $0 }) else { return (nil, nil) }
        return ((known - lease).milliseconds, virshSaw.withLock { $0 }.map { ($0 - lease).milliseconds })
    }

    private func macOnceDefined(_ connection: LibvirtConnection) async -> String? {
        let deadline = clock.now + .seconds(120)
        while clock.now < deadline, !Task.isCancelled {
            if let xml = try? await connection.domainXML(named: domain, inactive: true),
                let mac = DomainDescription(xml: xml)?.firstMAC
            {
                return mac.description.lowercased()
            }
            try? await Task.sleep(for: .milliseconds(2))
        }
        return nil
    }

    private static func virshShowsAnAddress(uri: String, domain: String) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/virsh")
        process.arguments = ["-q", "-c", uri, "domifaddr", domain, "--source", "lease"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return false }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return process.terminationStatus == 0 && String(decoding: data, as: UTF8.self).contains("ipv4")
    }
}

extension Duration {
    var milliseconds: Double { seconds * 1000 }
}

import Foundation
import FoundationXML

extension NetworkHealth {
    /// Asks libvirt about `network` and looks for its dnsmasq in `/proc`. Never throws.
    public static func check(network: String, domains: any DomainManager) async -> NetworkHealth {
        let active: Bool
        let xml: String
        do {
            active = try await domains.networkIsActive(named: network)
            xml = try await domains.networkXML(named: network)
        } catch {
            return NetworkHealth(network: network, active: nil, error: error.message)
        }
        return NetworkHealth(
            network: network, active: active, dhcpRanges: dhcpRanges(networkXML: xml),
            dnsmasqPID: active ? dnsmasqPID(forNetwork: network, processes: ProcessTable.read()) : nil)
    }

    /// `start-end` of every `<ip><dhcp><range>` in a network's XML.
    static func dhcpRanges(networkXML xml: String) -> [String] { NetworkDescription(xml: xml)?.dhcpRanges ?? [] }

    /// The dnsmasq libvirt runs for `network`: its command line names the network's own
    /// configuration file, `…/dnsmasq/NETWORK.conf`.
    static func dnsmasqPID(forNetwork network: String, processes: [ProcessTable.Entry]) -> Int32? {
        let conf = "/dnsmasq/\(network).conf"
        return processes.first { entry in
            guard let program = entry.arguments.first, program.hasSuffix("dnsmasq") else { return false }
            return entry.arguments.dropFirst().contains { $0.hasPrefix("--conf-file=") && $0.hasSuffix(conf) }
        }?.pid
    }
}

/// The processes of this machine, as `/proc/PID/cmdline` tells them.
enum ProcessTable {
    struct Entry: Sendable, Hashable {
        var pid: Int32
        var arguments: [String]
    }

    static func read() -> [Entry] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return names.compactMap { name in
            guard let pid = Int32(name), let data = FileManager.default.contents(atPath: "/proc/\(name)/cmdline")
            else { return nil }
            let arguments = data.split(separator: 0, omittingEmptySubsequences: false).map {
                String(decoding: $0, as: UTF8.self)
            }
            return Entry(pid: pid, arguments: arguments.last == "" ? Array(arguments.dropLast()) : arguments)
        }
    }
}

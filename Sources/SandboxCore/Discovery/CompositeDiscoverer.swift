/// Tries several discoverers in order and answers with the first non-empty result.
///
/// A source that is unavailable here (``SandboxError/isSourceUnavailable``) or fails counts as
/// empty and the next one is tried. A missing domain (`.notFound`) ends the search at once. When
/// every source fails and none is merely unavailable or empty, the first failure is thrown, so a
/// caller can tell "nothing yet" from "nothing works". Safe to share between tasks.
public struct CompositeDiscoverer: IPDiscoverer {
    /// The sources, tried in this order.
    public var strategies: [(source: DiscoverySource, discoverer: any IPDiscoverer)]

    /// A composite over the given discoverers, tried in order.
    public init(strategies: [(source: DiscoverySource, discoverer: any IPDiscoverer)]) {
        self.strategies = strategies
    }

    /// The standard discoverers for `order` over `domains`.
    ///
    /// - Parameters:
    ///   - network: the libvirt network for ``NetworkLeaseDiscoverer``; nil reads it from the
    ///     domain's XML.
    ///   - preference: which address family comes first.
    public init(
        domains: any DomainManager, order: [DiscoverySource] = DiscoverySource.defaultOrder, network: String? = nil,
        preference: AddressFamilyPreference = .preferIPv4
    ) {
        var seen = Set<DiscoverySource>()
        strategies = order.filter { seen.insert($0).inserted }.map { source in
            (source, Self.discoverer(for: source, domains: domains, network: network, preference: preference))
        }
    }

    /// The standard discoverer of one source.
    public static func discoverer(
        for source: DiscoverySource, domains: any DomainManager, network: String? = nil,
        preference: AddressFamilyPreference = .preferIPv4
    ) -> any IPDiscoverer {
        switch source {
        case .lease: LeaseDiscoverer(domains: domains, preference: preference)
        case .networkLeases: NetworkLeaseDiscoverer(domains: domains, network: network, preference: preference)
        case .agent: AgentDiscoverer(domains: domains, preference: preference)
        case .arp: ARPDiscoverer(domains: domains, preference: preference)
        }
    }

    public func addresses(domain: String, mac: MACAddress) async throws(SandboxError) -> [DiscoveredAddress] {
        var firstFailure: SandboxError?
        var anyAnswered = false
        for strategy in strategies {
            do {
                let found = try await strategy.discoverer.addresses(domain: domain, mac: mac)
                if !found.isEmpty { return found }
                anyAnswered = true
            } catch  where error.code == .notFound || error.code == .cancelled {
                throw error
            } catch  where error.isSourceUnavailable {
                anyAnswered = true
            } catch {
                if firstFailure == nil { firstFailure = error }
            }
        }
        if !anyAnswered, let firstFailure { throw firstFailure }
        return []
    }

    /// Asks every source, whatever the others answer, and reports each outcome. For diagnosis.
    public func probe(domain: String, mac: MACAddress) async -> [SourceReport] {
        var reports: [SourceReport] = []
        for strategy in strategies {
            do {
                let found = try await strategy.discoverer.addresses(domain: domain, mac: mac)
                reports.append(
                    SourceReport(source: strategy.source, outcome: found.isEmpty ? .empty : .found, addresses: found))
            } catch {
                reports.append(
                    SourceReport(
                        source: strategy.source, outcome: error.isSourceUnavailable ? .unavailable : .failed,
                        message: error.message))
            }
        }
        return reports
    }
}

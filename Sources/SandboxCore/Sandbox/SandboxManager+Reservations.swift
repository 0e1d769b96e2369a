import Foundation

extension SandboxManager {

    func reserveName(_ requested: SandboxName?) async throws(SandboxError) -> SandboxName {
        if let requested {
            guard !pendingNames.contains(requested.value) else { throw Self.nameTaken(requested) }
            pendingNames.insert(requested.value)
            do throws(SandboxError) {
                if try await domains.domain(named: requested.value) != nil { throw Self.nameTaken(requested) }
            } catch {
                pendingNames.remove(requested.value)
                throw error
            }
            return requested
        }
        for _ in 0..<16 {
            let candidate = SandboxName.generate()
            guard !pendingNames.contains(candidate.value) else { continue }
            pendingNames.insert(candidate.value)
            let existing: DomainSummary?
            do {
                existing = try await domains.domain(named: candidate.value)
            } catch {
                pendingNames.remove(candidate.value)
                throw error
            }
            if existing == nil, !FileManager.default.fileExists(atPath: configuration.jobsRoot + "/" + candidate.value)
            {
                return candidate
            }
            pendingNames.remove(candidate.value)
        }
        throw SandboxError(.nameTaken, "could not find a free generated name after 16 tries")
    }

    static func nameTaken(_ name: SandboxName) -> SandboxError {
        SandboxError(.nameTaken, "a domain or sandbox named \(name) already exists")
    }

    /// A random `52:54:00` MAC used by no domain of the connection and no create in flight.
    ///
    /// Each domain's MACs are read from its XML once and cached by UUID; a create lists the
    /// domains and reads only those it has not seen.
    func reserveMACs(_ requested: [MACAddress?]) async throws(SandboxError) -> [MACAddress] {
        var used = pendingMACs
        var seen = Set<String>()
        for domain in try await domains.listDomains() {
            seen.insert(domain.uuid)
            if let cached = macsByDomain[domain.uuid] {
                used.formUnion(cached)
                continue
            }
            guard let description = try? await domains.domainDescription(named: domain.name, inactive: false) else {
                continue
            }
            let macs = description.macs
            macsByDomain[domain.uuid] = macs
            used.formUnion(macs)
        }
        macsByDomain = macsByDomain.filter { seen.contains($0.key) }
        for case let mac? in requested where used.contains(mac) {
            throw SandboxError(.nameTaken, "MAC address \(mac) is already used by another domain")
        }
        used.formUnion(requested.compactMap { $0 })
        var result: [MACAddress] = []
        for wanted in requested {
            if let wanted {
                result.append(wanted)
                continue
            }
            var found: MACAddress?
            for _ in 0..<64 where found == nil {
                let candidate = MACAddress.random()
                if !used.contains(candidate) { found = candidate }
            }
            guard let found else { throw SandboxError(.nameTaken, "could not find an unused MAC address") }
            used.insert(found)
            result.append(found)
        }
        pendingMACs.formUnion(result)
        return result
    }

    /// Makes the job folder with the mode and group `access` gives it, and the jobs root (`0711`)
    /// and its missing parents (`0755`) first.
}

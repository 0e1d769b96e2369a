import Foundation

extension SandboxManager {

    /// The sandboxes of this manager's owner, with their state. Forgets the discovery targets of
    /// sandboxes that are gone (destroyed by another process).
    public func list() async throws(SandboxError) -> [SandboxSummary] {
        var result: [SandboxSummary] = []
        let all = try await domains.listDomains()
        let names = Set(all.map(\.name))
        knownTargets = knownTargets.filter { names.contains($0.key) || pendingNames.contains($0.key) }
        for domain in all {
            let xml: String?
            do {
                xml = try await domains.metadata(named: domain.name, namespaceURI: SandboxMetadata.namespaceURI)
            } catch  where error.code == .notFound {
                continue
            }
            guard let metadata = xml.flatMap(SandboxMetadata.init(metadataXML:)), metadata.owner == configuration.owner
            else { continue }
            result.append(
                SandboxSummary(
                    name: domain.name, uuid: domain.uuid, state: domain.state, baseVM: metadata.baseVM,
                    createdAt: metadata.createdAt, agentID: metadata.agentID, ttlSeconds: metadata.ttlSeconds,
                    jobDirectory: metadata.jobDirectory, tenant: metadata.tenant, ssh: metadata.ssh))
        }
        return result.sorted { $0.name < $1.name }
    }
}

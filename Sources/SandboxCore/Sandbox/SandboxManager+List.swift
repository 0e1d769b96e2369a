import Foundation

extension SandboxManager {

    /// The sandboxes of this manager's owner, with their state.
    public func list() async throws(SandboxError) -> [SandboxSummary] {
        var result: [SandboxSummary] = []
        for domain in try await domains.listDomains() {
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

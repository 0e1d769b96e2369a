import SandboxCore

extension SandboxService {
    /// The base VMs a tenant may clone: those in the policy's `SANDBOX_BASES` that exist, or
    /// without that list every shut-off domain that is not a sandbox (of any owner), by name.
    public func baseVMs() async throws -> [VMList.VMInfo] {
        let domains = await manager.domains
        var vms: [VMList.VMInfo] = []
        for domain in try await domains.listDomains().sorted(by: { $0.name < $1.name }) {
            if let allowed = policy.allowedBases {
                guard allowed.contains(domain.name) else { continue }
            } else {
                guard domain.state == .shutOff else { continue }
            }
            guard (try? await ServerPolicy.carriesSandboxMetadata(domain.name, domains: domains)) == false else {
                continue
            }
            let xml = try? await domains.domainXML(named: domain.name, inactive: true, secure: false)
            let base = xml.flatMap { try? BaseVM(xml: $0) }
            vms.append(
                .init(
                    name: domain.name, uuid: domain.uuid, state: SandboxResource.stateName(domain.state),
                    persistent: domain.isPersistent, diskPath: base?.diskPath))
        }
        return vms
    }
}

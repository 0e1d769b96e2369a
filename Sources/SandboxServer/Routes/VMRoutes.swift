import Hummingbird

/// `GET /v1/vms`: the base VMs a request may clone, as the original's `{"vms": [...]}`: those in
/// `SANDBOX_BASES` that exist, or without that list every shut-off domain that is not a sandbox
/// (of any owner). Any tenant may list them; what it may clone is what it sees.
struct VMRoutes: Sendable {
    let service: SandboxService

    func register(on router: Router<SandboxRequestContext>) {
        router.get("v1/vms") { _, context in
            _ = try context.requireTenant()
            return try JSONResponse.make(VMList(vms: try await service.baseVMs()))
        }
    }
}

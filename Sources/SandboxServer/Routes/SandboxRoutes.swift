import Foundation
import Hummingbird
import SandboxCore

/// The `/v1/sandboxes` routes over a ``SandboxCore/SandboxManager``, in the original system's
/// contract (envelopes, `SBX-` ids, upper-case states, `{"error", "code", "details"}` errors) with
/// our fields added. `{id}` is a sandbox's id, name or UUID; only sandboxes of the manager's owner
/// are visible, and of those only the request's tenant's (all of them for an admin): another
/// tenant's sandbox answers 404, like an unknown id.
struct SandboxRoutes: Sendable {
    let service: SandboxService
    var manager: SandboxManager { service.manager }
    var policy: ServerPolicy { service.policy }
    var history: CommandHistory { service.history }
    var metrics: ServerMetrics { service.metrics }

    /// The largest `limit` of a list.
    static let maxPageSize = 1000

    func register(on router: Router<SandboxRequestContext>) {
        let group = router.group("v1/sandboxes")
        group.post { request, context in try await create(request, tenant: try context.requireTenant()) }
        group.get { request, context in try await list(request, tenant: try context.requireTenant()) }
        group.get("{id}") { request, context in try await show(try await find(context), request) }
        group.delete("{id}") { _, context in try await destroy(try await find(context)) }
        group.post("{id}/start") { request, context in try await start(try await find(context), request) }
        group.get("{id}/ip") { request, context in try await ip(try await find(context), request) }
        group.post("{id}/run") { request, context in
            try await run(try await find(context), request, tenant: try context.requireTenant())
        }
        group.post("{id}/run/stream") { request, context in
            try await runStream(
                try await find(context), request, tenant: try context.requireTenant(), logger: context.logger)
        }
        group.get("{id}/commands") { request, context in try await commands(try await find(context), request) }
        group.get("{id}/diagnose") { _, context in try await diagnose(try await find(context)) }
        group.get("{id}/files") { request, context in try await readFile(try await find(context), request) }
        group.put("{id}/files") { request, context in try await writeFile(try await find(context), request) }
    }

    // MARK: Handlers

    func create(_ request: Request, tenant: Tenant) async throws -> Response {
        try await metrics.counting("create") {
            let body = try await JSONResponse.decode(CreateSandboxRequest.self, from: request)
            let sandbox = try await service.create(body, tenant: tenant)
            return try JSONResponse.make(
                CreateSandboxResponse(sandbox: SandboxResource(sandbox), ipAddress: sandbox.ipAddress), status: .created
            )
        }
    }

    /// The tenant's sandboxes, filtered by `agent_id`, `job_id`, `base_image`, `state` (the
    /// original's upper-case states) and `vm_name`, then paged by `offset` and `limit` (at most
    /// ``maxPageSize``).
    func list(_ request: Request, tenant: Tenant) async throws -> Response {
        let query = request.uri.queryParameters
        func text(_ name: String) -> String? {
            query[Substring(name)].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        }
        let limit = try Self.count(query["limit"].map(String.init), name: "limit", max: Self.maxPageSize)
        let offset = try Self.count(query["offset"].map(String.init), name: "offset", max: Int(Int32.max)) ?? 0
        var resources: [SandboxResource] = []
        for summary in try await service.list(tenant: tenant) {
            if let agent = text("agent_id"), summary.agentID != agent { continue }
            if let base = text("base_image"), summary.baseVM != base { continue }
            if let name = text("vm_name"), summary.name != name { continue }
            let resource = await service.resource(summary)
            if let job = text("job_id"), resource.jobID != job { continue }
            if let state = text("state"), resource.state.caseInsensitiveCompare(state) != .orderedSame { continue }
            resources.append(resource)
        }
        let page = resources.dropFirst(offset).prefix(limit ?? Self.maxPageSize)
        return try JSONResponse.make(SandboxList(sandboxes: Array(page), total: resources.count))
    }

    /// One sandbox, with its readiness (stage, address, agent, cloud-init), which `list` leaves out
    /// to stay cheap; with `?include_commands=true` also its command history.
    func show(_ summary: SandboxSummary, _ request: Request) async throws -> Response {
        let includeCommands = try Self.flag(
            request.uri.queryParameters["include_commands"].map(String.init), name: "include_commands")
        let resource = try await service.detailed(summary)
        var commands: [CommandRecord]?
        if includeCommands {
            commands = try await history.commands(sandboxUUID: summary.uuid, tenant: nil, limit: nil, offset: 0)
                .commands
        }
        return try JSONResponse.make(GetSandboxResponse(sandbox: resource, commands: commands))
    }

    func destroy(_ summary: SandboxSummary) async throws -> Response {
        try await metrics.counting("destroy") {
            try await service.destroy(summary)
            return try JSONResponse.make(
                DestroySandboxResponse(
                    state: SandboxResource.State.destroyed.rawValue, baseImage: summary.baseVM,
                    sandboxName: summary.name, ttlSeconds: summary.ttlSeconds,
                    id: SandboxResource.idPrefix + summary.name))
        }
    }

    /// Starts a defined sandbox (one already running is left as it is); with `{"wait_for_ip":
    /// true}` waits for its address (the scaled discovery timeout, at most the policy's
    /// ``ServerPolicy/maxIPWait``). The body is optional.
    func start(_ summary: SandboxSummary, _ request: Request) async throws -> Response {
        try await metrics.counting("start") {
            let body = try await JSONResponse.decodeIfPresent(StartSandboxRequest.self, from: request)
            if summary.state != .running {
                try await manager.domains.start(named: summary.name)
            }
            guard body?.waitForIP == true else { return try JSONResponse.make(IPResponse()) }
            let name = try SandboxName(summary.name)
            let timeout = min(try await manager.effectiveTimeout(of: name).duration, policy.maxIPWait)
            let address = try await manager.waitForIP(of: name, timeout: timeout)
            return try JSONResponse.make(IPResponse(ipAddress: address.address, source: address.source.rawValue))
        }
    }

    /// The address, waited for until known (the original's behaviour): up to `timeout` (a Go
    /// duration), else the manager's scaled discovery timeout; either at most the policy's
    /// ``ServerPolicy/maxIPWait`` (a longer `timeout` is 400 `policy_violation`). A timeout is 504
    /// with the diagnosis. `?wait=false` answers at once, `ip_address` absent when unknown.
    func ip(_ summary: SandboxSummary, _ request: Request) async throws -> Response {
        try await metrics.counting("ip") {
            let query = request.uri.queryParameters
            let wait = try Self.flag(query["wait"].map(String.init), name: "wait", default: true)
            var timeout: Duration?
            if let text = query["timeout"].map(String.init) {
                timeout = try GoDuration.parse(text)
                guard let limit = timeout, limit > .zero else {
                    throw APIError.badRequest("'timeout' must be positive")
                }
                guard limit <= policy.maxIPWait else {
                    throw APIError.policyViolation(
                        "'timeout' may be at most \(GoDuration.format(policy.maxIPWait)) on this server")
                }
            }
            let name = try SandboxName(summary.name)
            let address: DiscoveredAddress?
            if wait {
                if timeout == nil {
                    timeout = min(try await manager.effectiveTimeout(of: name).duration, policy.maxIPWait)
                }
                address = try await manager.waitForIP(of: name, timeout: timeout)
            } else {
                address = try await manager.ipAddress(of: name)
            }
            return try JSONResponse.make(IPResponse(ipAddress: address?.address, source: address?.source.rawValue))
        }
    }

    func diagnose(_ summary: SandboxSummary) async throws -> Response {
        let name = try SandboxName(summary.name)
        return try JSONResponse.make(try await manager.diagnose(name))
    }

    // MARK: Helpers

    /// The sandbox named by the request's `{id}` (id, name or UUID), if the tenant may see it.
    func find(_ context: SandboxRequestContext) async throws -> SandboxSummary {
        try await find(try context.parameters.require("id"), tenant: try context.requireTenant())
    }

    func find(_ id: String, tenant: Tenant) async throws -> SandboxSummary {
        try await service.find(id, tenant: tenant)
    }

    static func flag(_ text: String?, name: String, default value: Bool = false) throws(APIError) -> Bool {
        switch text?.lowercased() {
        case nil: return value
        case "false", "0": return false
        case "", "true", "1": return true
        case let other?: throw .badRequest("'\(name)' must be true or false, not '\(other.prefix(32))'")
        }
    }

    /// A query count: digits only, 0…`max`; nil when absent.
    static func count(_ text: String?, name: String, max: Int) throws(APIError) -> Int? {
        guard let text else { return nil }
        guard !text.isEmpty, text.utf8.count <= 10, text.utf8.allSatisfy({ (48...57).contains($0) }),
            let value = Int(text), value <= max
        else { throw .badRequest("'\(name)' must be a whole number 0…\(max), not '\(text.prefix(32))'") }
        return value
    }
}

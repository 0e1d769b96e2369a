import Foundation
import Hummingbird
import SandboxCore

/// The `/v1/sandboxes` routes over a ``SandboxCore/SandboxManager``. `{id}` is a sandbox's name or
/// UUID; only sandboxes of the manager's owner are visible, and of those only the request's
/// tenant's (all of them for an admin): another tenant's sandbox answers 404, like an unknown id.
struct SandboxRoutes: Sendable {
    let manager: SandboxManager
    /// The libvirt network every sandbox joins, or nil for the base's.
    let network: String?
    let metrics: ServerMetrics
    /// What a request may ask for (see ``ServerPolicy``).
    var policy = ServerPolicy()
    /// Bounds the creates in flight; shared by every request of the router.
    var gate = CreateGate(limit: ServerPolicy.defaultMaxConcurrentCreates)

    func register(on router: Router<SandboxRequestContext>) {
        let group = router.group("v1/sandboxes")
        group.post { request, context in try await create(request, tenant: try context.requireTenant()) }
        group.get { _, context in try await list(tenant: try context.requireTenant()) }
        group.get("{id}") { _, context in try await show(try await find(context)) }
        group.delete("{id}") { _, context in try await destroy(try await find(context)) }
        group.post("{id}/start") { _, context in try await start(try await find(context)) }
        group.get("{id}/ip") { request, context in try await ip(try await find(context), request) }
        group.post("{id}/run") { request, context in try await run(try await find(context), request) }
        group.get("{id}/diagnose") { _, context in try await diagnose(try await find(context)) }
    }

    // MARK: Handlers

    func create(_ request: Request, tenant: Tenant) async throws -> Response {
        try await metrics.counting("create") {
            let body = try await JSONResponse.decode(CreateSandboxRequest.self, from: request)
            var sandboxRequest = try body.sandboxRequest(network: network)
            sandboxRequest.tenant = tenant.name
            try policy.checkRequest(body, &sandboxRequest)
            let checked = sandboxRequest
            let sandbox = try await gate.admitting(tenant: tenant.name) { others in
                var request = checked
                try await policy.checkBase(&request, manager: manager)
                try policy.checkQuota(existing: try await manager.list(), tenant: tenant.name, others: others)
                return try await manager.create(request)
            }
            metrics.sandboxCreated()
            return try JSONResponse.make(SandboxResource(sandbox), status: .created)
        }
    }

    func list(tenant: Tenant) async throws -> Response {
        var resources: [SandboxResource] = []
        for summary in try await manager.list() where tenant.mayAccess(sandboxOf: summary.tenant) {
            resources.append(SandboxResource(summary, mac: await mac(of: summary.name), ip: nil))
        }
        return try JSONResponse.make(SandboxList(sandboxes: resources))
    }

    /// One sandbox, with its readiness (stage, address, agent, cloud-init), which `list` leaves out
    /// to stay cheap.
    func show(_ summary: SandboxSummary) async throws -> Response {
        let name = try SandboxName(summary.name)
        let readiness = try await manager.readiness(of: name)
        var resource = SandboxResource(summary, mac: await mac(of: summary.name), ip: readiness.ipAddress)
        resource.readiness = ReadinessResource(readiness)
        return try JSONResponse.make(resource)
    }

    func destroy(_ summary: SandboxSummary) async throws -> Response {
        try await metrics.counting("destroy") {
            try await manager.destroy(try SandboxName(summary.name))
            metrics.sandboxDestroyed(.api)
            return Response(status: .noContent)
        }
    }

    /// Starts a defined sandbox; one already running is left as it is.
    func start(_ summary: SandboxSummary) async throws -> Response {
        try await metrics.counting("start") {
            var state = summary.state
            if state != .running {
                let domains = await manager.domains
                try await domains.start(named: summary.name)
                state = try await domains.state(named: summary.name)
            }
            var started = SandboxResource(summary, mac: await mac(of: summary.name), ip: nil)
            started.state = SandboxResource.stateName(state)
            return try JSONResponse.make(started)
        }
    }

    /// The address now, or with `wait=true` once there is one (up to `timeout`, a Go duration,
    /// else the manager's scaled discovery timeout; either at most the policy's
    /// ``ServerPolicy/maxIPWait``, a longer `timeout` is 400 `policy_violation`). A timeout is 504
    /// with the diagnosis.
    func ip(_ summary: SandboxSummary, _ request: Request) async throws -> Response {
        try await metrics.counting("ip") {
            let query = request.uri.queryParameters
            let wait = try Self.flag(query["wait"].map(String.init), name: "wait")
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
            return try JSONResponse.make(
                IPResponse(id: name.value, ip: address?.address, source: address?.source.rawValue))
        }
    }

    /// Runs `/bin/sh -c COMMAND` through the guest agent. A sandbox still booting is waited for
    /// (its agent not connected yet) within `timeout_sec`, which covers the wait and the command.
    func run(_ summary: SandboxSummary, _ request: Request) async throws -> Response {
        try await metrics.counting("run") {
            let body = try await JSONResponse.decode(RunCommandRequest.self, from: request)
            let timeout = try body.validatedTimeout(max: policy.maxRunTimeoutSeconds)
            let name = try SandboxName(summary.name)
            let result = try await manager.run(in: name, body.command, options: .init(timeout: timeout))
            return try JSONResponse.make(RunCommandResponse(result))
        }
    }

    func diagnose(_ summary: SandboxSummary) async throws -> Response {
        let name = try SandboxName(summary.name)
        return try JSONResponse.make(try await manager.diagnose(name))
    }

    // MARK: Helpers

    /// The sandbox named by the request's `{id}` (name or UUID), if the tenant may see it.
    func find(_ context: SandboxRequestContext) async throws -> SandboxSummary {
        try await find(try context.parameters.require("id"), tenant: try context.requireTenant())
    }

    /// The sandbox of this owner whose name or UUID is `id` and that `tenant` may see; 404
    /// otherwise, the same answer for another tenant's sandbox as for none.
    func find(_ id: String, tenant: Tenant) async throws -> SandboxSummary {
        let sandboxes = try await manager.list()
        if let match = sandboxes.first(where: { $0.name == id || $0.uuid.caseInsensitiveCompare(id) == .orderedSame }),
            tenant.mayAccess(sandboxOf: match.tenant)
        {
            return match
        }
        let shown = id.count > 64 ? String(id.prefix(64)) + "…" : id
        throw APIError(status: .notFound, code: .notFound, message: "no sandbox '\(shown)'")
    }

    /// The MAC of the sandbox's first NIC, from its live XML; nil when it cannot be read.
    func mac(of name: String) async -> String? {
        guard let xml = try? await manager.domains.domainXML(named: name, inactive: false, secure: false),
            let range = xml.range(of: "<mac address=")
        else { return nil }
        return MACAddress(String(xml[range.upperBound...].dropFirst().prefix(17)))?.description
    }

    static func flag(_ text: String?, name: String) throws(APIError) -> Bool {
        switch text?.lowercased() {
        case nil, "false", "0": return false
        case "", "true", "1": return true
        case let other?: throw .badRequest("'\(name)' must be true or false, not '\(other.prefix(32))'")
        }
    }
}

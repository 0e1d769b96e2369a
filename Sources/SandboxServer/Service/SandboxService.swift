import Foundation
import SandboxCore
import SandboxSSH

/// What a tenant may do with sandboxes, over a ``SandboxCore/SandboxManager``, under the
/// server's ``ServerPolicy``: the one place the HTTP routes (``SandboxServerApp``) and the MCP
/// tools (`SandboxMCP`) go through, so both keep the same tenants, limits and command history.
///
/// Only sandboxes of the manager's owner are visible, and of those only the tenant's (all of them
/// for an admin): another tenant's sandbox is `not_found`, like an unknown id. Errors are
/// ``APIError``s (a status, a code, a message). A value: thread-safe; its gate and history are
/// shared by every copy.
public struct SandboxService: Sendable {
    public let manager: SandboxManager
    /// The libvirt network every sandbox joins, or nil for the base's.
    public let network: String?
    public let policy: ServerPolicy
    public let history: CommandHistory
    let metrics: ServerMetrics
    /// Bounds the creates in flight.
    let gate: CreateGate
    /// With it, every sandbox the service makes lets this key in over SSH (as root) and gets a
    /// host key of its own to pin, so `transport: "ssh"` runs commands without a guest agent.
    public let sshIdentity: SSHIdentity?

    public init(
        manager: SandboxManager, network: String? = nil, policy: ServerPolicy = ServerPolicy(),
        history: CommandHistory = .inMemory(), metrics: ServerMetrics = ServerMetrics(),
        sshIdentity: SSHIdentity? = nil
    ) {
        self.sshIdentity = sshIdentity
        self.manager = manager
        self.network = network
        self.policy = policy
        self.history = history
        self.metrics = metrics
        self.gate = CreateGate(limit: policy.maxConcurrentCreates)
    }

    /// Checks `body` against the policy and the quotas, then creates the sandbox for `tenant`.
    public func create(_ body: CreateSandboxRequest, tenant: Tenant) async throws -> Sandbox {
        var sandboxRequest = try body.sandboxRequest(network: network)
        sandboxRequest.tenant = tenant.name
        if let sshIdentity { sandboxRequest.userData.allowSSH(from: sshIdentity) }
        try policy.checkRequest(body, &sandboxRequest)
        let checked = sandboxRequest
        let sandbox = try await gate.admitting(tenant: tenant.name) { others in
            var request = checked
            try await policy.checkBase(&request, manager: manager)
            try policy.checkQuota(existing: try await manager.list(), tenant: tenant.name, others: others)
            return try await manager.create(request)
        }
        metrics.sandboxCreated()
        return sandbox
    }

    /// The tenant's sandboxes.
    public func list(tenant: Tenant) async throws -> [SandboxSummary] {
        try await manager.list().filter { tenant.mayAccess(sandboxOf: $0.tenant) }
    }

    /// The sandbox of this owner whose id (`SBX-` and its name), name or UUID is `id` and that
    /// `tenant` may see; 404 otherwise, the same answer for another tenant's sandbox as for none.
    public func find(_ id: String, tenant: Tenant) async throws -> SandboxSummary {
        let sandboxes = try await manager.list()
        let name = id.hasPrefix(SandboxResource.idPrefix) ? String(id.dropFirst(SandboxResource.idPrefix.count)) : id
        if let match = sandboxes.first(where: {
            $0.name == name || $0.name == id || $0.uuid.caseInsensitiveCompare(id) == .orderedSame
        }), tenant.mayAccess(sandboxOf: match.tenant) {
            return match
        }
        let shown = id.count > 64 ? String(id.prefix(64)) + "…" : id
        throw APIError(status: .notFound, code: .notFound, message: "no sandbox '\(shown)'")
    }

    /// Destroys the sandbox and forgets its commands.
    public func destroy(_ summary: SandboxSummary) async throws {
        try await manager.destroy(try SandboxName(summary.name))
        metrics.sandboxDestroyed(.api)
        try? await history.remove(sandboxUUID: summary.uuid)
    }

    /// Runs `/bin/sh -c COMMAND` through the guest agent (as `user` when given), with `env`. A
    /// sandbox still booting is waited for within `timeout_sec`, which covers the wait and the
    /// command. A command that ran, whatever its exit status, goes into the history and is returned.
    public func run(_ body: RunCommandRequest, in summary: SandboxSummary, tenant: Tenant) async throws -> CommandRecord
    {
        let timeout = try body.validatedTimeout(max: policy.maxRunTimeoutSeconds)
        let environment = try body.validatedEnvironment()
        let user = try body.validatedUser()
        let name = try SandboxName(summary.name)
        let started = Date()
        let shellCommand = RunCommandRequest.shellCommand(body.command, user: user)
        let options = GuestAgentClient.ExecOptions(timeout: timeout, environment: environment)
        let result: GuestAgentClient.ExecResult
        switch try body.validatedTransport() {
        case .agent:
            result = try await manager.run(in: name, shellCommand, options: options)
        case .ssh:
            result = try await manager.runOverSSH(
                in: name, shellCommand, identity: try requireSSHIdentity(), options: options)
        }
        return try await recordRun(
            body.command, in: summary, tenant: tenant, user: user, environment: environment, started: started,
            stdout: result.stdout, stderr: result.stderr, exit: result)
    }

    /// The service's SSH key, or 409 `ssh_unavailable` when it has none.
    func requireSSHIdentity() throws(APIError) -> SSHIdentity {
        guard let sshIdentity else {
            throw APIError(SandboxError(.sshUnavailable, "this server has no SSH key: use the guest agent"))
        }
        return sshIdentity
    }

    /// The record of a command that ran (output as given, exit status from `exit`), added to
    /// the history: what ``run(_:in:tenant:)`` and ``stream(_:in:tenant:)`` answer.
    func recordRun(
        _ command: String, in summary: SandboxSummary, tenant: Tenant, user: String?, environment: [String: String],
        started: Date, stdout: String, stderr: String, exit: GuestAgentClient.ExecResult, truncated: Bool = false
    ) async throws -> CommandRecord {
        let record = CommandRecord(
            id: CommandRecord.newID(), sandboxID: SandboxResource.idPrefix + summary.name, command: command,
            stdout: stdout, stderr: stderr, exitCode: exit.exitCode,
            startedAt: CommandRecord.timestamp(started), endedAt: CommandRecord.timestamp(Date()),
            envJSON: CommandRecord.envJSON(environment),
            metadata: .init(user: user ?? "root", truncated: truncated ? true : nil), signal: exit.signal)
        try await history.append(record, sandboxUUID: summary.uuid, tenant: summary.tenant ?? tenant.name)
        return record
    }

    /// The sandbox with its readiness (stage, address, agent, cloud-init), which ``resource(_:ip:)``
    /// leaves out to stay cheap.
    public func detailed(_ summary: SandboxSummary) async throws -> SandboxResource {
        let readiness = try await manager.readiness(of: try SandboxName(summary.name))
        var resource = await resource(summary, ip: readiness.ipAddress)
        resource.readiness = ReadinessResource(readiness)
        return resource
    }

    /// The sandbox as the API shows it (its first NIC read from the live XML).
    public func resource(_ summary: SandboxSummary, ip: String? = nil) async -> SandboxResource {
        SandboxResource(summary, nic: await firstNIC(of: summary.name), ip: ip)
    }

    /// The MAC and network of the sandbox's first NIC, from its live XML; nil when it cannot be read.
    func firstNIC(of name: String) async -> FirstNIC? {
        guard let xml = try? await manager.domains.domainXML(named: name, inactive: false, secure: false) else {
            return nil
        }
        return FirstNIC(domainXML: xml)
    }
}

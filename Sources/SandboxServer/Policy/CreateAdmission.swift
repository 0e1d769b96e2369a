import SandboxCore

/// The ``ServerPolicy`` checks of `POST /v1/sandboxes`, in the order the route runs them: the
/// request's own values first (no I/O), then, holding a ``CreateGate`` place, the base VM and the
/// quota. Each throws an ``APIError`` before anything is made.
extension ServerPolicy {
    /// Checks the numbers and NIC options of a create and fills in what the policy decides: the
    /// default TTL. Values beyond what SandboxCore accepts at all are `invalid_argument`; values
    /// SandboxCore accepts but the policy does not are `policy_violation`.
    func checkRequest(_ body: CreateSandboxRequest, _ request: inout SandboxRequest) throws(APIError) {
        if let memory = request.memoryMiB {
            guard memory <= DomainSpec.maxMemoryMiB else {
                throw .badRequest("'memory_mb' must be 1…\(DomainSpec.maxMemoryMiB), not \(memory)")
            }
            guard memory <= maxMemoryMiB else {
                throw .policyViolation("'memory_mb' may be at most \(maxMemoryMiB) on this server, not \(memory)")
            }
        }
        if let vcpus = request.vcpus {
            guard vcpus <= DomainSpec.maxVCPUs else {
                throw .badRequest("'cpu' must be 1…\(DomainSpec.maxVCPUs), not \(vcpus)")
            }
            guard vcpus <= maxVCPUs else {
                throw .policyViolation("'cpu' may be at most \(maxVCPUs) on this server, not \(vcpus)")
            }
        }
        if let ttl = request.ttlSeconds {
            guard ttl <= SandboxMetadata.maxTTLSeconds else {
                throw .badRequest("'ttl_seconds' must be 1…\(SandboxMetadata.maxTTLSeconds), not \(ttl)")
            }
            guard ttl <= maxTTLSeconds else {
                throw .policyViolation("'ttl_seconds' may be at most \(maxTTLSeconds) on this server, not \(ttl)")
            }
        } else {
            request.ttlSeconds = defaultTTLSeconds
        }
        for (index, nic) in (body.nics ?? []).enumerated() {
            let field = "'nics[\(index)]"
            if let network = nic.network, !allowedNetworks.contains(network) {
                let allowed =
                    allowedNetworks.isEmpty
                    ? "this server lets no request choose a network"
                    : "allowed: \(allowedNetworks.sorted().joined(separator: ", "))"
                throw .policyForbidden("\(field).network': network '\(network.prefix(64))' is not allowed (\(allowed))")
            }
            if nic.mac != nil, !allowCustomMACs {
                throw .policyViolation("\(field).mac': this server does not let a request choose a MAC address")
            }
            if nic.reserveIPv4 != nil, !allowDHCPReservations {
                throw .policyViolation("\(field).reserve_ipv4': this server does not allow DHCP reservations")
            }
            if !allowFixedAddresses {
                for (key, value) in [("ipv4", nic.ipv4), ("ipv6", nic.ipv6)] {
                    if let value, value.contains("/") {
                        throw .policyViolation("\(field).\(key)': this server does not allow fixed addresses")
                    }
                }
            }
        }
    }

    /// Checks the base VM: allowed by name (``allowedBases``), never a sandbox (a domain carrying
    /// SandboxCore's metadata, of any owner), and within ``maxMemoryMiB`` and ``maxVCPUs`` when the
    /// request inherits its size. Caps a create's IP wait at ``maxIPWait``. A base that does not
    /// exist is left to the manager (404).
    func checkBase(_ request: inout SandboxRequest, manager: SandboxManager) async throws {
        let name = request.baseVM
        let shown = "'\(name.prefix(64))'"
        if let allowedBases, !allowedBases.contains(name) {
            throw APIError.policyForbidden("base VM \(shown) is not one this server clones from")
        }
        let domains = await manager.domains
        guard try await domains.domain(named: name) != nil else { return }
        if try await Self.carriesSandboxMetadata(name, domains: domains) {
            throw APIError.policyForbidden("\(shown) is a sandbox, not a base VM")
        }
        let base = try BaseVM(xml: try await domains.domainXML(named: name, inactive: true, secure: false))
        if request.memoryMiB == nil, base.memoryMiB > maxMemoryMiB {
            throw APIError.policyViolation(
                "base VM \(shown) has \(base.memoryMiB) MiB, more than this server's \(maxMemoryMiB); ask for 'memory_mb'"
            )
        }
        if request.vcpus == nil, base.vcpus > maxVCPUs {
            throw APIError.policyViolation(
                "base VM \(shown) has \(base.vcpus) vCPUs, more than this server's \(maxVCPUs); ask for 'cpu'")
        }
        if request.waitForIP {
            let expected: Int? = (try? await BaseVMHints.expectedBootSeconds(ofBase: name, domains: domains)) ?? nil
            let discovery = await manager.configuration.discoveryTimeout
            let effective = discovery.effective(
                virtType: request.virtType?.rawValue ?? base.virtType, guestArch: base.arch.rawValue,
                expectedBootSeconds: expected)
            request.ipTimeout = min(request.ipTimeout ?? effective.duration, maxIPWait)
        }
    }

    /// Whether the domain carries SandboxCore's metadata (of any owner): then it is a sandbox, and
    /// its overlay would vanish under a clone when it is destroyed. libvirt answers "no metadata"
    /// with an error of code `.notFound`.
    static func carriesSandboxMetadata(_ name: String, domains: any DomainManager) async throws -> Bool {
        do {
            return try await domains.metadata(named: name, namespaceURI: SandboxMetadata.namespaceURI) != nil
        } catch {
            if error.code == .notFound { return false }
            throw error
        }
    }

    /// Checks the quotas: the owner's sandboxes plus the other creates in flight stay below
    /// ``maxSandboxes``, and the tenant's own (recorded in their metadata) plus its creates in flight
    /// below ``maxSandboxesPerTenant``. Counting creates in flight that have already defined their
    /// domain twice errs on the side of refusing.
    func checkQuota(existing: [SandboxSummary], tenant: String, others: CreateGate.Others) throws(APIError) {
        let (count, overflow) = existing.count.addingReportingOverflow(max(0, others.all))
        guard !overflow, count < maxSandboxes else {
            throw .quotaExceeded(
                "this server has \(existing.count) sandboxes and \(others.all) creates in flight; at most \(maxSandboxes)"
            )
        }
        let owned = existing.count(where: { $0.tenant == tenant })
        let (tenantCount, tenantOverflow) = owned.addingReportingOverflow(max(0, others.tenant))
        guard !tenantOverflow, tenantCount < maxSandboxesPerTenant else {
            throw .quotaExceeded(
                "tenant '\(tenant)' has \(owned) sandboxes and \(others.tenant) creates in flight; at most \(maxSandboxesPerTenant)"
            )
        }
    }
}

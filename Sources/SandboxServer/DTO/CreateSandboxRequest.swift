import SandboxCore

/// The body of `POST /v1/sandboxes`, the original system's fields first.
///
/// ```json
/// {"source_vm_name": "debian-base", "agent_id": "agent-7", "vm_name": "job-42", "cpu": 2,
///  "memory_mb": 2048, "ttl_seconds": 3600, "auto_start": true, "wait_for_ip": true}
/// ```
/// Network and seed options: `nics` (see ``NICRequest``; default one DHCP NIC on the base's network),
/// `seed_format` (`nocloud` or `configdrive`), `reset_machine_id`. `tune_emulated_kernel` (default
/// true) adds `kpti=0` to an emulated aarch64 guest's kernel command line (see ``EmulatedKernelTuning``).
/// `source_vm_name` and `agent_id` are required; `cpu` and `memory_mb` (MiB) default to the
/// base's (as does 0, as in the original), `auto_start` and `wait_for_ip` to false, `vm_name` to a
/// generated `sbx-xxxxxxxx`, and `ttl_seconds` (0 included) to the server's default TTL. Unknown
/// fields are refused, so a typo does not silently change what is made.
public struct CreateSandboxRequest: Codable, Sendable, Hashable {
    public var sourceVMName: String
    public var vmName: String?
    public var agentID: String
    public var cpu: Int?
    public var memoryMB: Int?
    public var ttlSeconds: Int?
    public var autoStart: Bool?
    public var waitForIP: Bool?
    public var nics: [NICRequest]?
    public var seedFormat: String?
    public var resetMachineID: Bool?
    public var tuneEmulatedKernel: Bool?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case sourceVMName = "source_vm_name"
        case vmName = "vm_name"
        case agentID = "agent_id"
        case cpu
        case memoryMB = "memory_mb"
        case ttlSeconds = "ttl_seconds"
        case autoStart = "auto_start"
        case waitForIP = "wait_for_ip"
        case nics
        case seedFormat = "seed_format"
        case resetMachineID = "reset_machine_id"
        case tuneEmulatedKernel = "tune_emulated_kernel"
    }

    public init(
        sourceVMName: String, agentID: String, vmName: String? = nil, cpu: Int? = nil, memoryMB: Int? = nil,
        ttlSeconds: Int? = nil, autoStart: Bool? = nil, waitForIP: Bool? = nil
    ) {
        self.sourceVMName = sourceVMName
        self.vmName = vmName
        self.agentID = agentID
        self.cpu = cpu
        self.memoryMB = memoryMB
        self.ttlSeconds = ttlSeconds
        self.autoStart = autoStart
        self.waitForIP = waitForIP
    }

    public init(from decoder: any Decoder) throws {
        try AnyCodingKey.rejectUnknownKeys(in: decoder, known: Set(CodingKeys.allCases.map(\.rawValue)))
        let container = try decoder.container(keyedBy: CodingKeys.self)
        sourceVMName = try container.decode(String.self, forKey: .sourceVMName)
        vmName = try container.decodeIfPresent(String.self, forKey: .vmName)
        agentID = try container.decodeIfPresent(String.self, forKey: .agentID) ?? ""
        cpu = try container.decodeIfPresent(Int.self, forKey: .cpu)
        memoryMB = try container.decodeIfPresent(Int.self, forKey: .memoryMB)
        ttlSeconds = try container.decodeIfPresent(Int.self, forKey: .ttlSeconds)
        autoStart = try container.decodeIfPresent(Bool.self, forKey: .autoStart)
        waitForIP = try container.decodeIfPresent(Bool.self, forKey: .waitForIP)
        nics = try container.decodeIfPresent([NICRequest].self, forKey: .nics)
        seedFormat = try container.decodeIfPresent(String.self, forKey: .seedFormat)
        resetMachineID = try container.decodeIfPresent(Bool.self, forKey: .resetMachineID)
        tuneEmulatedKernel = try container.decodeIfPresent(Bool.self, forKey: .tuneEmulatedKernel)
    }

    /// The library request, after the checks the HTTP layer owns (positive numbers, a valid name);
    /// the library checks the rest (upper bounds, the base VM) before it makes anything.
    /// `network` overrides the base's network when set.
    func sandboxRequest(network: String?) throws(APIError) -> SandboxRequest {
        if sourceVMName.isEmpty || agentID.isEmpty {
            throw .badRequest("'source_vm_name' and 'agent_id' are required")
        }
        for (field, value) in [("cpu", cpu), ("memory_mb", memoryMB), ("ttl_seconds", ttlSeconds)] {
            if let value, value < 0 { throw .badRequest("'\(field)' must be 0 (the default) or more, not \(value)") }
        }
        let sandboxName: SandboxName?
        do {
            sandboxName = try vmName.flatMap { $0.isEmpty ? nil : $0 }.map { text throws(SandboxError) in
                try SandboxName(text)
            }
        } catch {
            throw APIError(error)
        }
        let positive = { (value: Int?) in value.flatMap { $0 > 0 ? $0 : nil } }
        var request = SandboxRequest(
            baseVM: sourceVMName, name: sandboxName, memoryMiB: positive(memoryMB), vcpus: positive(cpu),
            network: network.map { .network($0) }, autoStart: autoStart ?? false,
            // The original waits only "if true and auto_start": wait_for_ip alone is not an error.
            waitForIP: (waitForIP ?? false) && (autoStart ?? false),
            agentID: agentID, ttlSeconds: positive(ttlSeconds))
        if let seedFormat {
            guard let format = SeedFormat(rawValue: seedFormat) else {
                throw .badRequest("'seed_format' must be 'nocloud' or 'configdrive', not '\(seedFormat)'")
            }
            request.seedFormat = format
        }
        request.userData.resetMachineID = resetMachineID ?? false
        request.tuneEmulatedKernel = tuneEmulatedKernel ?? true
        do {
            request.nics = try (nics ?? []).map { nic throws(SandboxError) in try nic.sandboxNIC() }
        } catch {
            throw APIError(error)
        }
        return request
    }
}

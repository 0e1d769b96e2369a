import SandboxCore

/// The body of `POST /v1/sandboxes`.
///
/// ```json
/// {"source_vm_name": "debian-base", "name": "job-42", "agent_id": "agent-7", "cpu": 2,
///  "memory_mb": 2048, "ttl_seconds": 3600, "auto_start": true, "wait_for_ip": true}
/// ```
/// Network and seed options: `nics` (see ``NICRequest``; default one DHCP NIC on the base's network),
/// `seed_format` (`nocloud` or `configdrive`), `reset_machine_id`. `tune_emulated_kernel` (default
/// true) adds `kpti=0` to an emulated aarch64 guest's kernel command line (see ``EmulatedKernelTuning``).
/// Only `source_vm_name` is required; `cpu` and `memory_mb` (MiB) default to the base's,
/// `auto_start` to true, `wait_for_ip` to false, `name` to a generated `sbx-xxxxxxxx`, and a
/// sandbox without `ttl_seconds` lives until deleted. Unknown fields are refused, so a typo does not
/// silently change what is made.
public struct CreateSandboxRequest: Codable, Sendable, Hashable {
    public var sourceVMName: String
    public var name: String?
    public var agentID: String?
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
        case name
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
        sourceVMName: String, name: String? = nil, agentID: String? = nil, cpu: Int? = nil, memoryMB: Int? = nil,
        ttlSeconds: Int? = nil, autoStart: Bool? = nil, waitForIP: Bool? = nil
    ) {
        self.sourceVMName = sourceVMName
        self.name = name
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
        name = try container.decodeIfPresent(String.self, forKey: .name)
        agentID = try container.decodeIfPresent(String.self, forKey: .agentID)
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
        if sourceVMName.isEmpty { throw .badRequest("'source_vm_name' must not be empty") }
        for (field, value) in [("cpu", cpu), ("memory_mb", memoryMB), ("ttl_seconds", ttlSeconds)] {
            if let value, value < 1 { throw .badRequest("'\(field)' must be 1 or more, not \(value)") }
        }
        let sandboxName: SandboxName?
        do {
            sandboxName = try name.map { text throws(SandboxError) in try SandboxName(text) }
        } catch {
            throw APIError(error)
        }
        let autoStart = self.autoStart ?? true
        var request = SandboxRequest(
            baseVM: sourceVMName, name: sandboxName, memoryMiB: memoryMB, vcpus: cpu,
            network: network.map { .network($0) }, autoStart: autoStart, waitForIP: waitForIP ?? false,
            agentID: agentID, ttlSeconds: ttlSeconds)
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

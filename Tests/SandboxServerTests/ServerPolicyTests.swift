import Foundation
import SandboxCore
import SandboxServer
import Testing

/// `ServerPolicy(environment:)`: safe defaults, every variable at and beyond its bounds, and the
/// configuration carrying it.
@Suite struct ServerPolicyTests {
    @Test func theDefaultsAreSafe() throws {
        let policy = try ServerPolicy(environment: [:])
        #expect(policy == ServerPolicy())
        #expect(policy.allowedBases == nil)
        #expect(policy.allowedNetworks.isEmpty)
        #expect(policy.maxMemoryMiB == 8192)
        #expect(policy.maxVCPUs == 8)
        #expect(policy.defaultTTLSeconds == 3600)
        #expect(policy.maxTTLSeconds == 86_400)
        #expect(policy.maxConcurrentCreates == 4)
        #expect(policy.maxRequestBodyBytes == 1 << 20)
        #expect(policy.maxIPWait == .seconds(900))
        #expect(policy.maxRunTimeoutSeconds == 3600)
        #expect(policy.idleTimeout == .seconds(60))
        #expect(!policy.allowFixedAddresses && !policy.allowDHCPReservations && !policy.allowCustomMACs)
        #expect(try ServerConfiguration(environment: [:]).policy == ServerPolicy())
    }

    @Test func everyVariableIsRead() throws {
        let policy = try ServerPolicy(environment: [
            "SANDBOX_BASES": " debian-base, alpine ", "SANDBOX_NETWORKS": "default,isolated",
            "SANDBOX_NETWORK": "default", "SANDBOX_MAX_MEMORY_MB": "2048", "SANDBOX_MAX_VCPUS": "2",
            "SANDBOX_DEFAULT_TTL": "10m", "SANDBOX_MAX_TTL": "2h", "SANDBOX_MAX_SANDBOXES": "7",
            "SANDBOX_MAX_SANDBOXES_PER_TENANT": "3", "SANDBOX_MAX_CONCURRENT_CREATES": "2",
            "SANDBOX_MAX_BODY_BYTES": "4096", "SANDBOX_MAX_IP_WAIT": "5m", "SANDBOX_MAX_RUN_TIMEOUT": "90s",
            "SANDBOX_IDLE_TIMEOUT": "30s", "SANDBOX_ALLOW_FIXED_ADDRESSES": "true",
            "SANDBOX_ALLOW_DHCP_RESERVATIONS": "1", "SANDBOX_ALLOW_CUSTOM_MACS": "yes",
        ])
        #expect(policy.allowedBases == ["debian-base", "alpine"])
        #expect(policy.allowedNetworks == ["default", "isolated"])
        #expect(policy.maxMemoryMiB == 2048)
        #expect(policy.maxVCPUs == 2)
        #expect(policy.defaultTTLSeconds == 600)
        #expect(policy.maxTTLSeconds == 7200)
        #expect(policy.maxSandboxes == 7)
        #expect(policy.maxSandboxesPerTenant == 3)
        #expect(policy.maxConcurrentCreates == 2)
        #expect(policy.maxRequestBodyBytes == 4096)
        #expect(policy.maxIPWait == .seconds(300))
        #expect(policy.maxRunTimeoutSeconds == 90)
        #expect(policy.idleTimeout == .seconds(30))
        #expect(policy.allowFixedAddresses && policy.allowDHCPReservations && policy.allowCustomMACs)
    }

    @Test func theServicesNetworkIsTheDefaultAllowedOne() throws {
        #expect(try ServerPolicy(environment: ["SANDBOX_NETWORK": "sandboxes"]).allowedNetworks == ["sandboxes"])
    }

    @Test func aMaxTTLBelowTheDefaultLowersTheDefault() throws {
        let policy = try ServerPolicy(environment: ["SANDBOX_MAX_TTL": "10m"])
        #expect(policy.maxTTLSeconds == 600)
        #expect(policy.defaultTTLSeconds == 600)
    }

    /// Bounds: the extremes are accepted, one past them refused.
    @Test(arguments: [
        ("SANDBOX_MAX_MEMORY_MB", "1", true), ("SANDBOX_MAX_MEMORY_MB", String(DomainSpec.maxMemoryMiB), true),
        ("SANDBOX_MAX_MEMORY_MB", String(DomainSpec.maxMemoryMiB + 1), false),
        ("SANDBOX_MAX_VCPUS", String(DomainSpec.maxVCPUs), true),
        ("SANDBOX_MAX_VCPUS", String(DomainSpec.maxVCPUs + 1), false),
        ("SANDBOX_MAX_SANDBOXES", "1000000", true), ("SANDBOX_MAX_SANDBOXES", "1000001", false),
        ("SANDBOX_MAX_BODY_BYTES", "1024", true), ("SANDBOX_MAX_BODY_BYTES", "1023", false),
        ("SANDBOX_MAX_TTL", "1s", true), ("SANDBOX_MAX_TTL", "999ms", false),
        ("SANDBOX_MAX_TTL", "87840h", true), ("SANDBOX_MAX_TTL", "87841h", false),
        ("SANDBOX_MAX_IP_WAIT", "24h", true), ("SANDBOX_MAX_IP_WAIT", "24h1s", false),
        ("SANDBOX_IDLE_TIMEOUT", "1s", true), ("SANDBOX_IDLE_TIMEOUT", "0", false),
        ("SANDBOX_MAX_RUN_TIMEOUT", "24h", true), ("SANDBOX_MAX_RUN_TIMEOUT", "25h", false),
    ])
    func boundsAreInclusive(name: String, value: String, accepted: Bool) {
        var environment = [name: value]
        if name == "SANDBOX_MAX_TTL" { environment["SANDBOX_DEFAULT_TTL"] = "1s" }
        let result = Result { () throws(SandboxError) in try ServerPolicy(environment: environment) }
        switch result {
        case .success: #expect(accepted, "\(name)=\(value) was accepted")
        case .failure(let error):
            #expect(!accepted, "\(name)=\(value): \(error)")
            #expect(error.code == .invalidArgument)
            #expect(error.message.contains(name), "\(error.message)")
        }
    }

    @Test(arguments: [
        ("SANDBOX_MAX_MEMORY_MB", "lots"), ("SANDBOX_MAX_MEMORY_MB", "-1"), ("SANDBOX_MAX_MEMORY_MB", "0"),
        ("SANDBOX_MAX_MEMORY_MB", "+5"), ("SANDBOX_MAX_MEMORY_MB", "1e3"),
        ("SANDBOX_MAX_SANDBOXES", "99999999999999999999999"), ("SANDBOX_MAX_SANDBOXES", "9223372036854775807"),
        ("SANDBOX_MAX_CONCURRENT_CREATES", "0"), ("SANDBOX_MAX_SANDBOXES_PER_TENANT", "0"),
        ("SANDBOX_DEFAULT_TTL", "forever"), ("SANDBOX_DEFAULT_TTL", "-1h"),
        ("SANDBOX_MAX_TTL", "9999999999999999h"), ("SANDBOX_MAX_IP_WAIT", "soon"),
        ("SANDBOX_ALLOW_CUSTOM_MACS", "maybe"), ("SANDBOX_BASES", "a,,b"), ("SANDBOX_BASES", " "),
        ("SANDBOX_NETWORKS", ","),
    ])
    func badValuesNameTheVariable(name: String, value: String) {
        let error = #expect(throws: SandboxError.self) { try ServerPolicy(environment: [name: value]) }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains(name) == true, "\(String(describing: error))")
        // The configuration refuses it too, so the executable stops at startup.
        #expect(throws: SandboxError.self) { try ServerConfiguration(environment: [name: value]) }
    }

    @Test func aDefaultTTLAboveTheMaximumIsRefused() {
        let error = #expect(throws: SandboxError.self) {
            try ServerPolicy(environment: ["SANDBOX_DEFAULT_TTL": "3h", "SANDBOX_MAX_TTL": "2h"])
        }
        #expect(error?.message.contains("SANDBOX_DEFAULT_TTL") == true)
    }

    @Test func theServicesNetworkMustBeAnAllowedOne() {
        let error = #expect(throws: SandboxError.self) {
            try ServerPolicy(environment: ["SANDBOX_NETWORK": "other", "SANDBOX_NETWORKS": "default"])
        }
        #expect(error?.message.contains("SANDBOX_NETWORKS") == true)
    }
}

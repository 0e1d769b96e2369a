import Foundation
import Testing

@testable import SandboxCore

/// Bad input through the public API: each case is a typed ``SandboxError`` with a clear message,
/// and nothing (file, folder, domain) is made.
@Suite struct BadInputMatrixTests {
    static let badNames: [String] = [
        "", "a<b", "a>b", "a'b", "a\"b", "a&b", "a/b", "../etc", "a..b", "..", ".", "a\0b", "a\nb", "a b", " a",
        "a\t", String(repeating: "a", count: 300), String(repeating: "a", count: 64), "-a", "_a", ".a", "ä", "a;b",
        "a$(id)", "a`id`", "a|b", "a\\b", "a:b", "a*b", "a?b", "%2e%2e", "\u{202e}abc", "a\u{0}",
    ]

    @Test(arguments: badNames) func sandboxNamesAreRejected(_ text: String) {
        #expect {
            try SandboxName(text)
        } throws: { error in
            let error = error as! SandboxError
            return error.code == .invalidArgument && error.message.hasPrefix("sandbox name")
                && !error.message.contains("\n")
        }
    }

    static let badHostnames: [String] = [
        "", "a: b", "a:b", "#x", "- x", "-x", "x-", "*a", "&a", "!tag", "'q'", "\"q\"", "{a}", "[a]", "a\nb", "a b",
        "a,b", "a|b", ">a", "%a", "@a", "`a`", "a.b", "a_b", String(repeating: "h", count: 64), "a\0", "a#b",
        "? a", "ä",
    ]

    @Test(arguments: badHostnames) func hostnamesThatWouldBreakYAMLAreRejected(_ text: String) {
        #expect {
            try Hostname(text)
        } throws: { error in
            let error = error as! SandboxError
            return error.code == .invalidArgument && error.message.hasPrefix("hostname")
        }
    }

    static let badMACs: [String] = [
        "", "52:54:00:00:00", "52:54:00:00:00:00:00", "52-54-00-00-00-01", "525400000001", "52:54:00:00:00:0g",
        "52:54:00:00:00:1", "52:54:00:00:00:001", " 52:54:00:00:00:01", "52:54:00:00:00:01\n", "::::::",
        "01:00:5e:00:00:01", "33:33:00:00:00:01", "ff:ff:ff:ff:ff:ff", "00:00:00:00:00:00", "03:00:00:00:00:00",
        "52:54:00:00:00:+1", "52:54:00:00:00:0x",
    ]

    @Test(arguments: badMACs) func malformedAndMulticastMACsAreRejected(_ text: String) {
        #expect {
            try MACAddress(parsing: text)
        } throws: { error in
            let error = error as! SandboxError
            return error.code == .invalidArgument && error.message.hasPrefix("MAC address")
        }
    }

    static let badTimeouts: [String] = [
        "", "abc", "90", "-1s", "0", "0s", "1x", "1.s.", "s", "1m-1s", "99999999999999999999s", "1h\n", "1 s", "+",
        ".", "1e3s", "∞",
    ]

    @Test(arguments: badTimeouts) func invalidIPDiscoveryTimeoutsAreRejected(_ text: String) {
        #expect {
            try DiscoveryTimeout.fromEnvironment([DiscoveryTimeout.environmentVariable: text])
        } throws: { error in
            let error = error as! SandboxError
            return error.code == .invalidArgument && error.message.contains(DiscoveryTimeout.environmentVariable)
        }
    }

    /// One bad create: what to set up, what request to make, and the error it must give.
    struct Case: Sendable, CustomTestStringConvertible {
        var label: String
        var code: SandboxError.Code
        /// A phrase the message must contain.
        var phrase: String
        var make: @Sendable (TestHost) async throws -> (SandboxManager, SandboxRequest, bases: [String])
        var testDescription: String { label }

        init(
            _ label: String, _ code: SandboxError.Code, _ phrase: String,
            _ make: @escaping @Sendable (TestHost) async throws -> (SandboxManager, SandboxRequest, bases: [String])
        ) {
            self.label = label
            self.code = code
            self.phrase = phrase
            self.make = make
        }

        /// A request on a good base with `change` applied, rejected as `.invalidArgument`.
        static func request(
            _ label: String, _ phrase: String, _ change: @escaping @Sendable (inout SandboxRequest) throws -> Void
        ) -> Case {
            request(label, .invalidArgument, phrase, change)
        }

        /// A request on a good base with `change` applied.
        static func request(
            _ label: String, _ code: SandboxError.Code, _ phrase: String,
            _ change: @escaping @Sendable (inout SandboxRequest) throws -> Void
        ) -> Case {
            Case(label, code, phrase) { host in
                let base = try await host.makeBase()
                var request = SandboxRequest(baseVM: base, name: try SandboxName("sbx-" + UUID().uuidString.prefix(8)))
                try change(&request)
                return (host.manager(), request, [base])
            }
        }

        /// A good request on the base `make` defines.
        static func base(
            _ label: String, _ code: SandboxError.Code, _ phrase: String,
            _ make: @escaping @Sendable (TestHost) async throws -> String
        ) -> Case {
            Case(label, code, phrase) { host in
                let base = try await make(host)
                return (host.manager(), SandboxRequest(baseVM: base, name: try SandboxName("sbx-bad-base")), [base])
            }
        }

        /// A good request with a manager made from `configure`d configuration.
        static func configuration(
            _ label: String, _ code: SandboxError.Code, _ phrase: String,
            _ configure: @escaping @Sendable (TestHost, inout SandboxManager.Configuration) throws -> Void
        ) -> Case {
            Case(label, code, phrase) { host in
                var configuration = SandboxManager.Configuration(jobsRoot: host.jobsRoot, owner: host.owner)
                try configure(host, &configuration)
                let manager = SandboxManager(domains: host.connection, configuration: configuration)
                let base = try await host.makeBase()
                return (manager, SandboxRequest(baseVM: base, name: try SandboxName("sbx-cfg")), [base])
            }
        }
    }

    static let cases: [Case] = [
        .request("memory 0", "memory") { $0.memoryMiB = 0 },
        .request("memory -1", "memory") { $0.memoryMiB = -1 },
        .request("memory Int.min", "memory") { $0.memoryMiB = .min },
        .request("memory Int.max", "memory") { $0.memoryMiB = .max },
        .request("memory 4 TiB + 1 MiB", "memory") { $0.memoryMiB = DomainSpec.maxMemoryMiB + 1 },
        .request("vCPUs 0", "vCPUs") { $0.vcpus = 0 },
        .request("vCPUs -3", "vCPUs") { $0.vcpus = -3 },
        .request("vCPUs Int.max", "vCPUs") { $0.vcpus = .max },
        .request("vCPUs 1025", "vCPUs") { $0.vcpus = DomainSpec.maxVCPUs + 1 },
        .request("empty base name", "base VM name") { $0.baseVM = "" },
        .request("base name with NUL", "base VM name") { $0.baseVM = "base\0x" },
        .request("base name with newline", "base VM name") { $0.baseVM = "base\nx" },
        .request("base name of 300 characters", "base VM name") { $0.baseVM = String(repeating: "b", count: 300) },
        .request("base name with markup", .notFound, "does not exist") { $0.baseVM = "b<a>'\"&/../x" },
        .request("missing base", .notFound, "does not exist") { $0.baseVM = "no-such-base-vm" },
        .request("network name with markup", "network name") { $0.network = .network("net'><x") },
        .request("bridge name with a space", "bridge name") { $0.network = .bridge("br 0") },
        .request("wait for IP without start", "waiting for an IP") {
            $0.autoStart = false
            $0.waitForIP = true
        },
        .request("zero IP timeout", "IP timeout") {
            $0.waitForIP = true
            $0.ipTimeout = .zero
        },
        .request("agent id with newline", "agent id") { $0.agentID = "a\nb" },
        .request("TTL 0", "TTL") { $0.ttlSeconds = 0 },
        .request("TTL negative", "TTL") { $0.ttlSeconds = -60 },
        .request("SSH key with newline", "SSH") { $0.userData = UserData(sshAuthorizedKeys: ["ssh-ed25519 AAAA\nx"]) },
        .base("running base", .invalidBase, "must be shut off") { host in
            let base = try await host.makeBase()
            try await host.connection.start(named: base)
            return base
        },
        .base("base without a file disk", .invalidBase, "no file-backed disk") { host in
            let name = "base-nofile-" + UUID().uuidString.prefix(8).lowercased()
            _ = try await host.connection.define(
                xml: """
                    <domain type='test'><name>\(name)</name><memory unit='KiB'>524288</memory><vcpu>1</vcpu>
                      <os><type arch='x86_64'>hvm</type></os>
                      <devices><disk type='block' device='disk'><source dev='/dev/null'/><target dev='vda' bus='virtio'/>
                      </disk></devices></domain>
                    """)
            return name
        },
        .base("base disk missing", .notFound, "does not exist") { host in
            try await host.makeBase(diskPath: host.folder.file("missing.img"))
        },
        .base("base disk unreadable (under a regular file)", .io, "cannot open disk image") { host in
            _ = try host.folder.write("not a folder", to: "plain")
            return try await host.makeBase(diskPath: host.folder.file("plain/disk.img"))
        },
        .base("base disk is a folder", .io, "is a directory") { host in
            try FileManager.default.createDirectory(
                atPath: host.folder.file("dir.img"), withIntermediateDirectories: false)
            return try await host.makeBase(diskPath: host.folder.file("dir.img"))
        },
        .base("base declares qcow2 for a raw disk", .invalidBase, "declares its disk as qcow2") { host in
            try await host.makeBase(diskFormat: "qcow2")
        },
        .configuration("jobs folder under a regular file", .io, "mkdir failed") { host, configuration in
            _ = try host.folder.write("not a folder", to: "jobs-file")
            configuration.jobsRoot = host.folder.file("jobs-file/jobs")
        },
        .configuration("relative jobs folder", .invalidArgument, "absolute path") { _, configuration in
            configuration.jobsRoot = "jobs"
        },
        .configuration("jobs folder with ..", .invalidArgument, "'..'") { host, configuration in
            configuration.jobsRoot = host.folder.file("../escape")
        },
        .configuration("jobs folder with newline", .invalidArgument, "control characters") { host, configuration in
            configuration.jobsRoot = host.folder.file("jobs\nx")
        },
        .configuration("owner with markup", .invalidArgument, "owner") { _, configuration in
            configuration.owner = "o<w>"
        },
        .configuration("job folder mode beyond 0o777", .invalidArgument, "permissions") { _, configuration in
            configuration.jobFolderPermissions = 0o4777
        },
        .configuration("network filter with a space", .invalidArgument, "network filter") { _, configuration in
            configuration.networkFilter = .named("clean traffic")
        },
        .configuration("missing network filter", .notFound, "network filter") { _, configuration in
            configuration.networkFilter = .named("no-such-filter")
        },
    ]

    @Test(arguments: cases) func badCreatesMakeNothing(_ badCase: Case) async throws {
        let host = try await TestHost.make()
        defer { host.folder.remove() }
        let (manager, request, bases) = try await badCase.make(host)
        let names = request.name.map { [$0.value] } ?? []
        let before = try await HostSnapshot.take(folder: host.folder.path, manager: manager, names: names)
        do {
            let sandbox = try await manager.create(request)
            Issue.record("\(badCase.label): expected \(badCase.code), made \(sandbox.name)")
            try? await manager.destroy(sandbox.name)
        } catch {
            #expect(error.code == badCase.code, "\(badCase.label): \(error)")
            #expect(error.message.contains(badCase.phrase), "\(badCase.label): \(error.message)")
            #expect(!error.message.isEmpty && !error.message.contains("\n"), "\(badCase.label): \(error.message)")
        }
        let after = try await HostSnapshot.take(folder: host.folder.path, manager: manager, names: names)
        #expect(after == before, "\(badCase.label) left something")
        #expect(!FileManager.default.fileExists(atPath: host.jobsRoot), "\(badCase.label) made the jobs folder")
        await host.cleanUp(bases: bases)
    }
}

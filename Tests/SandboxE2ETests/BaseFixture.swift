import Foundation

@testable import SandboxCore
@testable import SandboxSeed

/// A base VM made from a cached test image, and the deliberately broken "stale seed" clone.
struct BaseFixture: Sendable {
    let flavour: String
    let image: String
    let work: String
    let network: String
    /// Whose calls the methods below make; ``E2EWorkspace/bootedBase(_:)`` hands each test the
    /// shared base on the test's own connection.
    var connection: LibvirtConnection
    /// The base domain: ``baseName(_:)`` for the booted base shared by the suites, a name of its own
    /// for a suite's never-booted base (``defineUnbooted()``).
    var baseName: String

    init(
        flavour: String, image: String, work: String, network: String, connection: LibvirtConnection,
        baseName: String? = nil
    ) {
        self.flavour = flavour
        self.image = image
        self.work = work
        self.network = network
        self.connection = connection
        self.baseName = baseName ?? Self.baseName(flavour)
    }

    static func baseName(_ flavour: String) -> String { "e2e-base-\(flavour)" }
    var baseDisk: String { work + "/base.qcow2" }
    var baseSeed: String { work + "/base-seed.iso" }
    /// `aarch64` for the `arm64-*` flavours (emulated on an x86_64 host), else `x86_64`.
    var arch: DomainSpec.Architecture { flavour.hasPrefix("arm64") ? .aarch64 : .x86_64 }
    /// The base's vCPUs, which its clones inherit: an emulated aarch64 guest boots faster with 2
    /// (`cortex-a57`: 43–45 s to its lease with 1 in earlier measurements), so the arm64 base
    /// declares 2.
    var vcpus: Int { arch == .aarch64 ? 2 : 1 }
    /// Emulated aarch64 guests get twice as long for cloud-init and shutdown.
    var slowness: Int { arch == .aarch64 ? 2 : 1 }

    struct StaleClone: Sendable {
        var name: String
        var mac: MACAddress
        var started: ContinuousClock.Instant
    }

    func domainSpec(name: String, disk: String, seed: String, mac: MACAddress) throws -> DomainSpec {
        DomainSpec(
            name: try SandboxName(name), uuid: UUID(), memoryMiB: 1024, vcpus: vcpus, virtType: .qemu, arch: arch,
            boot: .kernel(
                path: image + "/vmlinuz", initrd: image + "/initrd.img",
                cmdline: "root=/dev/vda rw console=\(arch.serialConsole)"),
            disk: .init(path: disk), seedISOPath: seed, nic: .init(source: .network(network), mac: mac),
            serialLogPath: work + "/\(name).console.log")
    }

    /// Boots the base once with a seed of its own instance-id and no network-config (cloud-init
    /// then writes its fallback network config, bound to the base's MAC), waits for cloud-init to
    /// finish, and shuts it down cleanly: the state users clone from.
    func bootBaseOnce() async throws {
        try Qcow2Overlay.create(at: baseDisk, backing: try DiskImage.inspect(path: image + "/base.qcow2"))
        let metaData = "instance-id: \(baseName)\nlocal-hostname: \(baseName)\n"
        let iso = try ISO9660Image.build(
            volumeID: "cidata",
            files: [
                ISOFile(name: "meta-data", contents: Array(metaData.utf8)),
                ISOFile(name: "user-data", contents: Array("#cloud-config\n{}\n".utf8)),
            ], timestamp: CloudInitSeedBuilder.defaultTimestamp)
        try AtomicFile.write(iso, to: baseSeed)
        let macSuffix = ["netplan": "01", "eni": "02"][flavour] ?? "03"
        let mac =
            baseName == Self.baseName(flavour) ? try MACAddress(parsing: "52:54:00:e2:e0:" + macSuffix) : .random()
        _ = try await connection.define(
            xml: try DomainXMLRenderer().render(domainSpec(name: baseName, disk: baseDisk, seed: baseSeed, mac: mac)))
        try await connection.start(named: baseName)
        let waiter = IPWaiter(domains: connection, sources: [.networkLeases])
        _ = try await waiter.waitForIP(
            domain: baseName, mac: mac, network: network, timeout: E2EEnvironment.bootTimeout)
        let agent = GuestAgentClient(domains: connection, domain: baseName)
        let finished = try await poll(timeout: .seconds(300 * slowness), every: .seconds(2)) {
            (try? await agent.cloudInitResult()) ?? nil
        }
        guard finished != nil else { throw SandboxError(.timeout, "cloud-init did not finish on the base") }
        _ = try? await agent.call("guest-shutdown", arguments: ["mode": "powerdown"])
        let off = try await poll(timeout: .seconds(180 * slowness)) { () async throws -> Bool? in
            try await connection.state(named: baseName) == .shutOff ? true : nil
        }
        if off == nil { try await connection.destroy(named: baseName) }
    }

    /// Defines the base from the cached image without booting it (no seed, a random MAC): the
    /// first boot of the image is then its sandbox's, which saves a boot.
    func defineUnbooted() async throws -> DomainSpec {
        try Qcow2Overlay.create(at: baseDisk, backing: try DiskImage.inspect(path: image + "/base.qcow2"))
        var spec = try domainSpec(name: baseName, disk: baseDisk, seed: "", mac: .random())
        spec.seedISOPath = nil
        _ = try await connection.define(xml: try DomainXMLRenderer().render(spec))
        return spec
    }

    /// A clone booted with the base's own seed ISO (same instance-id) on a new MAC.
    func startStaleClone() async throws -> StaleClone {
        let name = "e2e-stale-\(flavour)"
        let disk = work + "/stale.qcow2"
        try Qcow2Overlay.create(at: disk, backing: try DiskImage.inspect(path: baseDisk))
        let mac = MACAddress.random()
        _ = try await connection.define(
            xml: try DomainXMLRenderer().render(domainSpec(name: name, disk: disk, seed: baseSeed, mac: mac)))
        try await connection.start(named: name)
        return StaleClone(name: name, mac: mac, started: ContinuousClock.now)
    }

    /// Waits until the stale clone has booted and cloud-init has finished, and at least 60 s since
    /// its start; then reads its lease (if any) and its diagnosis.
    func checkStaleClone(_ clone: StaleClone) async throws -> (lease: String?, diagnosis: Diagnosis) {
        let agent = GuestAgentClient(domains: connection, domain: clone.name)
        _ = try await poll(timeout: .seconds(400 * slowness), every: .seconds(2)) {
            (try? await agent.cloudInitResult()) ?? nil
        }
        let elapsed = ContinuousClock.now - clone.started
        if elapsed < .seconds(60) { try await Task.sleep(for: .seconds(60) - elapsed) }
        let leases = try await connection.networkDHCPLeases(network: network, mac: clone.mac.description)
        let diagnosis = await Diagnoser(domains: connection, sources: [.networkLeases, .lease]).diagnose(
            domain: clone.name, mac: clone.mac, network: network, seedPath: baseSeed,
            consoleLogPath: work + "/\(clone.name).console.log")
        return (leases.first?.ipAddress, diagnosis)
    }

    func removeStaleClone(_ clone: StaleClone) async {
        try? await connection.destroy(named: clone.name)
        try? await connection.undefine(named: clone.name)
        try? FileManager.default.removeItem(atPath: work + "/stale.qcow2")
    }

    func removeBase() async {
        try? await connection.destroy(named: baseName)
        try? await connection.undefine(named: baseName)
    }
}

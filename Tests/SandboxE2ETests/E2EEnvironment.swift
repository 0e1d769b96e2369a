import Foundation

@testable import SandboxCore

/// What `e2e/run.sh` hands the end-to-end suite. Without `SANDBOX_E2E_URI` the suite is skipped.
struct E2EEnvironment: Sendable {
    /// `qemu:///system?socket=…` of the private libvirtd in its network namespace.
    var uri: String
    /// Flavour name → folder with `base.qcow2`, `vmlinuz`, `initrd.img`.
    var images: [String: String]
    /// The isolated libvirt network.
    var network: String
    /// Where bases, job folders and results go.
    var workDirectory: String
    /// JSON lines with per-sandbox timings, for the benchmarks.
    var resultsPath: String?
    /// The private libvirtd's state folder (its `/var/lib/libvirt` is `<state>/lib`).
    var stateDirectory: String?

    /// libvirt's lease file of the test network, as this host sees it.
    var leaseStatusFile: String? { stateDirectory.map { $0 + "/lib/dnsmasq/sbxbr0.status" } }

    static let current: E2EEnvironment? = {
        let environment = ProcessInfo.processInfo.environment
        guard let uri = environment["SANDBOX_E2E_URI"], !uri.isEmpty else { return nil }
        var images: [String: String] = [:]
        for entry in (environment["SANDBOX_E2E_IMAGES"] ?? "").split(separator: ",") {
            let parts = entry.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { images[String(parts[0])] = String(parts[1]) }
        }
        return E2EEnvironment(
            uri: uri, images: images, network: environment["SANDBOX_E2E_NETWORK"] ?? "sandbox-e2e",
            workDirectory: environment["SANDBOX_E2E_WORKDIR"] ?? "/var/tmp/sandboxcore-e2e-work",
            resultsPath: environment["SANDBOX_E2E_RESULTS"], stateDirectory: environment["SANDBOX_E2E_STATE"])
    }()

    static var enabled: Bool { current != nil }

    /// The test network's namespace (recorded by `e2e/libvirtd-netns.sh`).
    var namespace: String? {
        guard let stateDirectory, let name = try? String(contentsOfFile: stateDirectory + "/netns", encoding: .utf8)
        else { return nil }
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }

    /// Whether this process lives in the test network's namespace (`e2e/run.sh` starts it there), so
    /// that traffic it or its children send to a guest's address cannot leave the machine.
    var insideTestNamespace: Bool {
        guard let namespace,
            let own = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/net"),
            let attributes = try? FileManager.default.attributesOfItem(atPath: "/run/netns/" + namespace),
            let inode = attributes[.systemFileNumber] as? Int
        else { return false }
        return own == "net:[\(inode)]"
    }

    static let flavours: [String] = {
        guard let current else { return ["netplan", "eni"] }
        return ["netplan", "eni"].filter { current.images[$0] != nil }
    }()

    /// How long a guest may take to its address (or a base to its first shut-off), on a loaded host.
    static let bootTimeout: Duration = .seconds(600)

    /// The emulated arm64 flavour (``Arm64E2ETests``); its tests run when its image is given.
    static let arm64Flavour = "arm64-netplan"
    static var arm64Enabled: Bool { current?.images[arm64Flavour] != nil }
}

/// One line of the results file.
struct E2EResult: Codable, Sendable {
    var flavour: String
    var sandbox: String
    var kind: String
    var ipAddress: String?
    /// From the create call to the address being known, seconds.
    var createToIPSeconds: Double?
    /// The guest's own time from kernel start to its DHCP lease, seconds.
    var guestKernelToLeaseSeconds: Double?
    /// From the lease appearing in libvirt's lease file to the library reporting the address, ms.
    var leaseToLibraryMs: Double?
    /// The same for a `virsh domifaddr --source lease` loop every 2 s started with the create, ms.
    var leaseToVirshLoopMs: Double?
    /// From the create call to cloud-init reporting done, seconds (as observed through the agent).
    var cloudInitFinishedSeconds: Double?
    /// The guest's CPU model and vCPUs, e.g. `cortex-a57 x2`.
    var cpu: String?
    /// The host's 1-minute load average when the address was known.
    var hostLoad: Double?
    var note: String?
}

actor ResultsFile {
    static let shared = ResultsFile()

    func append(_ result: E2EResult) {
        guard let path = E2EEnvironment.current?.resultsPath else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard var line = try? encoder.encode(result) else { return }
        line.append(0x0a)
        if let handle = FileHandle(forWritingAtPath: path) {
            handle.seekToEndOfFile()
            handle.write(line)
            try? handle.close()
        } else {
            _ = FileManager.default.createFile(atPath: path, contents: line)
        }
        print("E2E result: \(String(decoding: line, as: UTF8.self))", terminator: "")
    }
}

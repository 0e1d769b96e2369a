import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A host's CPUs and memory as libvirt reports them. A plain value.
public struct NodeResources: Sendable, Hashable, Codable {
    public var cpus: Int
    public var memoryKiB: UInt64
    /// nil when libvirt could not say.
    public var freeMemoryBytes: UInt64?

    public init(cpus: Int, memoryKiB: UInt64, freeMemoryBytes: UInt64?) {
        self.cpus = cpus
        self.memoryKiB = memoryKiB
        self.freeMemoryBytes = freeMemoryBytes
    }
}

/// What the host around a sandbox looks like, for ``Diagnosis/host``: the original system's
/// troubleshooting steps "duplicate MACs", "available memory", "disk space" and "resource
/// exhaustion" as fields. A plain value.
public struct HostResources: Sendable, Hashable, Codable {
    public var node: NodeResources?
    /// Why ``node`` could not be read.
    public var nodeError: String?
    /// Domains on the connection, and how many of them run.
    public var domains: Int
    public var runningDomains: Int
    /// vCPUs of the running domains together (against ``NodeResources/cpus``: overcommit).
    public var runningVCPUs: Int
    /// Other domains with a NIC of the sandbox's MAC: each pair fights over one lease.
    public var macSharedWith: [String]
    /// What the sandbox's job folder takes on disk, and what its file system has free.
    public var jobFolderBytes: UInt64?
    public var jobFileSystemFreeBytes: UInt64?

    /// Reads the host through `domains` and the job folder's file system. Never throws.
    static func gather(domains: any DomainManager, sandbox: String, mac: MACAddress, jobDirectory: String) async
        -> HostResources
    {
        var host = HostResources(
            node: nil, domains: 0, runningDomains: 0, runningVCPUs: 0, macSharedWith: [],
            jobFolderBytes: folderBytes(jobDirectory), jobFileSystemFreeBytes: freeBytes(jobDirectory))
        do {
            host.node = try await domains.nodeResources()
        } catch {
            host.nodeError = error.message
        }
        let summaries = (try? await domains.listDomains()) ?? []
        host.domains = summaries.count
        for summary in summaries {
            let running = summary.state == .running || summary.state == .blocked || summary.state == .paused
            if running { host.runningDomains += 1 }
            guard let xml = try? await domains.domainXML(named: summary.name, inactive: !running, secure: false),
                let facts = DomainFacts(xml: xml)
            else { continue }
            if running { host.runningVCPUs += facts.vcpus ?? 0 }
            if summary.name != sandbox, facts.interface(mac: mac) != nil { host.macSharedWith.append(summary.name) }
        }
        return host
    }

    /// Bytes allocated to the files directly in `folder` (a job folder has no subfolders but
    /// ConfigDrive's, which are tiny).
    static func folderBytes(_ folder: String) -> UInt64? {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return nil }
        var total: UInt64 = 0
        for name in names {
            var info = stat()
            if lstat(folder + "/" + name, &info) == 0 { total += UInt64(info.st_blocks) * 512 }
        }
        return total
    }

    static func freeBytes(_ path: String) -> UInt64? {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return nil }
        return UInt64(info.f_bavail) * UInt64(info.f_frsize)
    }

    /// One line for ``Diagnosis/report``.
    var summary: String {
        var parts: [String] = []
        if let node {
            var text = "\(node.cpus) CPUs, \(node.memoryKiB >> 10) MiB"
            if let free = node.freeMemoryBytes { text += " (\(free >> 20) MiB free)" }
            parts.append(text)
        } else {
            parts.append("CPUs and memory unknown (\(nodeError ?? "not read"))")
        }
        parts.append("\(runningDomains) of \(domains) domains running with \(runningVCPUs) vCPUs")
        if let jobFolderBytes { parts.append("job folder \(jobFolderBytes >> 20) MiB") }
        if let jobFileSystemFreeBytes { parts.append("\(jobFileSystemFreeBytes >> 20) MiB free there") }
        parts.append(macSharedWith.isEmpty ? "MAC unique" : "MAC ALSO ON \(macSharedWith.joined(separator: ", "))")
        return "host: " + parts.joined(separator: "; ")
    }
}

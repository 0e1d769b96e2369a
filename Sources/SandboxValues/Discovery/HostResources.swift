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

    package init(
        node: NodeResources? = nil, nodeError: String? = nil, domains: Int, runningDomains: Int, runningVCPUs: Int,
        macSharedWith: [String], jobFolderBytes: UInt64?, jobFileSystemFreeBytes: UInt64?
    ) {
        self.node = node
        self.nodeError = nodeError
        self.domains = domains
        self.runningDomains = runningDomains
        self.runningVCPUs = runningVCPUs
        self.macSharedWith = macSharedWith
        self.jobFolderBytes = jobFolderBytes
        self.jobFileSystemFreeBytes = jobFileSystemFreeBytes
    }

    /// One line for ``Diagnosis/report``.
    package var summary: String {
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

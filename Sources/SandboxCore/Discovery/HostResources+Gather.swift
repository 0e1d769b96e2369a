import Foundation

#if canImport(Glibc)
    import Glibc
#endif

extension HostResources {
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
                let facts = DomainDescription(xml: xml)
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
}

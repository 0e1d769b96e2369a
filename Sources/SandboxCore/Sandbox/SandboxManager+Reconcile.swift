import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// What ``SandboxManager/reconcile()`` found and did.
public struct ReconcileReport: Sendable, Hashable, Codable {
    /// Half-made sandboxes' domains that were stopped and undefined.
    public var removedDomains: [String] = []
    /// Job folders (full paths) removed: left by a killed create, or without a domain.
    public var removedJobFolders: [String] = []
    /// Temporary files (full paths) of interrupted atomic writes, removed from complete sandboxes.
    public var removedTemporaryFiles: [String] = []
    /// DHCP reservations removed with a half-made sandbox's domain, as `network: <host …/>`.
    public var removedDHCPReservations: [String] = []
    /// Complete sandboxes, kept as they are.
    public var adopted: [String] = []
    /// What was left alone and why (a create still running, another owner's domain …).
    public var skipped: [String] = []
    /// What could not be removed, with the error.
    public var failures: [String] = []

    public init() {}

    /// Whether there was nothing to clean up.
    public var removedNothing: Bool {
        removedDomains.isEmpty && removedJobFolders.isEmpty && removedTemporaryFiles.isEmpty
            && removedDHCPReservations.isEmpty
    }
}

extension SandboxManager {
    /// How long a job folder without a creation record and without a domain is left alone: a
    /// create in another process may have just made it and not yet written its record.
    public static let unrecordedJobFolderGrace: Duration = .seconds(10)

    /// Finds what creates killed half-way (a crash, SIGKILL, power loss) left behind and removes
    /// it; keeps (adopts) complete sandboxes.
    ///
    /// * a job folder whose creation record names a process that is gone: its domain (if any) and
    ///   the folder are removed; a record of a process that still runs is left alone;
    /// * a job folder without a record and without a domain (older than
    ///   ``unrecordedJobFolderGrace``): removed;
    /// * a domain of this manager's owner whose job folder or overlay is missing: stopped and
    ///   undefined;
    /// * with each domain removed, the DHCP reservations its NICs had on their networks (a create
    ///   adds them right after the define, so one killed after that left them behind);
    /// * temporary files of interrupted atomic writes inside complete sandboxes: removed.
    ///
    /// Only job folders directly under ``Configuration/jobsRoot`` and domains whose metadata names
    /// this owner are touched; creates in flight in this manager are skipped. Safe to run while
    /// other processes create sandboxes. Failures to remove one item are reported, not thrown;
    /// failing to list domains throws.
    public func reconcile() async throws(SandboxError) -> ReconcileReport {
        var report = ReconcileReport()
        let root = configuration.jobsRoot
        var handledFolders = Set<String>()
        var domainNames = Set<String>()

        for domain in try await domains.listDomains() {
            domainNames.insert(domain.name)
            guard !pendingNames.contains(domain.name) else { continue }
            let metadataXML: String?
            do {
                metadataXML = try await domains.metadata(named: domain.name, namespaceURI: SandboxMetadata.namespaceURI)
            } catch  where error.code == .notFound {
                continue
            }
            guard let metadata = metadataXML.flatMap(SandboxMetadata.init(metadataXML:)),
                metadata.owner == configuration.owner
            else { continue }
            let jobDirectory = metadata.jobDirectory ?? root + "/" + domain.name
            guard jobDirectory == root + "/" + domain.name else {
                report.skipped.append("\(domain.name): its job folder \(jobDirectory) is outside \(root)")
                continue
            }
            handledFolders.insert(domain.name)
            if let record = CreationRecord.read(in: jobDirectory) {
                if record.creatorIsAlive {
                    report.skipped.append("\(domain.name): being created by process \(record.pid) on \(record.host)")
                    continue
                }
                await removeDomain(domain.name, into: &report)
                removeFolder(jobDirectory, into: &report)
                continue
            }
            var isDirectory: ObjCBool = false
            let hasFolder = FileManager.default.fileExists(atPath: jobDirectory, isDirectory: &isDirectory)
            let hasOverlay = FileManager.default.fileExists(atPath: jobDirectory + "/" + JobFile.overlay)
            guard hasFolder, isDirectory.boolValue, hasOverlay else {
                await removeDomain(domain.name, into: &report)
                if hasFolder { removeFolder(jobDirectory, into: &report) }
                continue
            }
            removeTemporaryFiles(in: jobDirectory, into: &report)
            report.adopted.append(domain.name)
        }

        let entries = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        for entry in entries.sorted() where !handledFolders.contains(entry) && !pendingNames.contains(entry) {
            let folder = root + "/" + entry
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue
            else { continue }
            if domainNames.contains(entry) {
                report.skipped.append(
                    "\(entry): the domain of that name is not a sandbox of owner \(configuration.owner)")
                continue
            }
            if let record = CreationRecord.read(in: folder) {
                guard record.owner == configuration.owner else {
                    report.skipped.append("\(entry): being created for owner \(record.owner)")
                    continue
                }
                if record.creatorIsAlive {
                    report.skipped.append("\(entry): being created by process \(record.pid) on \(record.host)")
                    continue
                }
            } else if let age = Self.age(of: folder), age < Self.unrecordedJobFolderGrace {
                report.skipped.append("\(entry): made \(age) ago without a creation record yet")
                continue
            }
            removeFolder(folder, into: &report)
        }
        logger.info(
            "reconciled",
            metadata: [
                "removedDomains": "\(report.removedDomains.count)",
                "removedJobFolders": "\(report.removedJobFolders.count)",
                "adopted": "\(report.adopted.count)",
            ])
        return report
    }

    private func removeDomain(_ name: String, into report: inout ReconcileReport) async {
        if let domain = try? await domains.domainDescription(named: name, inactive: true) {
            report.removedDHCPReservations += await removeDHCPHosts(of: domain)
        }
        do {
            try await domains.destroy(named: name)
            try await domains.undefine(named: name)
            report.removedDomains.append(name)
        } catch  where error.code == .notFound {
            report.removedDomains.append(name)
        } catch {
            report.failures.append("domain \(name): \(error)")
        }
    }

    private func removeFolder(_ path: String, into report: inout ReconcileReport) {
        do {
            try FileManager.default.removeItem(atPath: path)
            report.removedJobFolders.append(path)
        } catch {
            report.failures.append("job folder \(path): \(error.localizedDescription)")
        }
    }

    private func removeTemporaryFiles(in folder: String, into report: inout ReconcileReport) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        where name.hasPrefix(".") && name.contains(".tmp-") {
            let path = folder + "/" + name
            if unlink(path) == 0 {
                report.removedTemporaryFiles.append(path)
            } else {
                report.failures.append("temporary file \(path): \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Time since the folder's last change (its ctime).
    private static func age(of path: String) -> Duration? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let seconds = Int64(now.tv_sec) - Int64(status.st_ctim.tv_sec)
        let nanoseconds = Int64(now.tv_nsec) - Int64(status.st_ctim.tv_nsec)
        return .seconds(seconds) + .nanoseconds(nanoseconds)
    }
}

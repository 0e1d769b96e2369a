/// Which network filter a sandbox's NIC gets.
public enum NetworkFilterPolicy: Sendable, Hashable {
    /// libvirt's `clean-traffic` (no MAC, IP or ARP spoofing) when the connection defines it;
    /// none otherwise.
    case cleanTrafficIfAvailable
    /// No filter.
    case none
    /// This filter, which must exist on the connection.
    case named(String)
}

extension SandboxManager {
    /// The points of a create at which something durable exists, in order; each is reported once
    /// reached (see ``setCreateStageObserver(_:)``; for the progress of a create see ``CreateProgress``).
    public enum Checkpoint: String, Sendable, Hashable, Codable, CaseIterable {
        /// The job folder exists and holds the creation record.
        case jobFolder = "job-folder"
        /// The overlay disk is written.
        case overlay
        /// The seed ISO and its plain files are written.
        case seed
        /// The domain is defined.
        case defined
    }

    /// Calls `observer` after each ``Checkpoint`` of every create, on the manager, before the
    /// next stage begins: a create waits for it. For logging, progress, and crash-safety tests that
    /// stop a process at a stage.
    public func setCreateStageObserver(_ observer: (@Sendable (Checkpoint, SandboxName) async -> Void)?) {
        stageObserver = observer
    }

    func checkHardeningConfiguration() throws(SandboxError) {
        if let mode = configuration.jobFolderPermissions, mode & ~0o777 != 0 {
            throw .invalid("job folder permissions 0o\(String(mode, radix: 8)) must be within 0o777")
        }
        if case .named(let filter) = configuration.networkFilter {
            try ValueChecks.token(filter, what: "network filter")
        }
    }

    /// The filter for a new sandbox's NIC under ``Configuration/networkFilter``.
    func networkFilterName() async throws(SandboxError) -> String? {
        switch configuration.networkFilter {
        case .none:
            return nil
        case .named(let filter):
            guard try await domains.networkFilterExists(named: filter) else {
                throw SandboxError(.notFound, "network filter \(ValueChecks.quoted(filter)) does not exist")
            }
            return filter
        case .cleanTrafficIfAvailable:
            return try await domains.networkFilterExists(named: "clean-traffic") ? "clean-traffic" : nil
        }
    }
}

/// How far a ``SandboxManager/create(_:progress:)`` has come, for progress displays. Reported on
/// the creating task, in order; keep the handler quick.
public enum CreateProgress: Sendable, Hashable {
    /// A stage finished, `elapsed` after the create began.
    case stage(CreateStage, elapsed: Duration)
    /// While waiting for the address: what the ``IPWaiter`` is doing (`elapsed` in it counts from
    /// the start of the wait).
    case waiting(IPWaitProgress)
}

/// The stages of a create, in the order they finish: what ``CreateProgress`` reports, what the
/// stage observer (``SandboxManager/setCreateStageObserver(_:)``) sees and what the metrics time.
public enum CreateStage: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// Base VM found shut off, its disk inspected; NICs, MACs and reservations checked.
    case base
    /// The job folder exists and holds the creation record.
    case jobFolder = "job-folder"
    /// Overlay written.
    case overlay
    /// Seed ISO written.
    case seed
    /// Domain XML rendered and defined (DHCP reservations added).
    case define
    /// Domain started.
    case start
    /// The address is known.
    case ip

    public var description: String {
        switch self {
        case .base: "base VM checked"
        case .jobFolder: "job folder made"
        case .overlay: "overlay written"
        case .seed: "cloud-init seed written"
        case .define: "domain defined"
        case .start: "domain started"
        case .ip: "IP address known"
        }
    }

    /// The stages after which something durable exists (files, a domain): where a killed create
    /// leaves something for ``SandboxManager/reconcile()`` to remove.
    public static let checkpoints: [CreateStage] = [.jobFolder, .overlay, .seed, .define]
}

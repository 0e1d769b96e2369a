/// How far a ``SandboxManager/create(_:progress:)`` has come, for progress displays. Reported on
/// the creating task, in order; keep the handler quick.
public enum CreateProgress: Sendable, Hashable {
    /// A stage finished, `elapsed` after the create began.
    case stage(CreateStage, elapsed: Duration)
    /// While waiting for the address: what the ``IPWaiter`` is doing (`elapsed` in it counts from
    /// the start of the wait).
    case waiting(IPWaitProgress)
}

/// The stages of a create, in the order they finish.
public enum CreateStage: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// Base VM found shut off, its disk inspected.
    case base
    /// Name and job folder reserved, overlay written.
    case overlay
    /// Seed ISO written.
    case seed
    /// Domain XML rendered and defined.
    case define
    /// Domain started.
    case start
    /// The address is known.
    case ip

    public var description: String {
        switch self {
        case .base: "base VM checked"
        case .overlay: "overlay written"
        case .seed: "cloud-init seed written"
        case .define: "domain defined"
        case .start: "domain started"
        case .ip: "IP address known"
        }
    }
}

/// The state of a domain, as libvirt reports it.
public enum DomainState: Sendable, Hashable, Codable, CustomStringConvertible {
    case noState
    case running
    case blocked
    case paused
    case shuttingDown
    case shutOff
    case crashed
    case pmSuspended
    /// A state this library does not know yet, with libvirt's number for it.
    case unknown(Int)

    public var description: String {
        switch self {
        case .noState: "no state"
        case .running: "running"
        case .blocked: "blocked"
        case .paused: "paused"
        case .shuttingDown: "shutting down"
        case .shutOff: "shut off"
        case .crashed: "crashed"
        case .pmSuspended: "pmsuspended"
        case .unknown(let value): "unknown (\(value))"
        }
    }
}

/// A short description of one domain.
public struct DomainSummary: Sendable, Hashable, Codable {
    public var name: String
    /// The UUID in its canonical lowercase text form.
    public var uuid: String
    public var state: DomainState
    /// Whether the domain has a persistent configuration (was defined, not just created).
    public var isPersistent: Bool
    /// The hypervisor's ID while the domain runs; `nil` when it is inactive.
    public var id: Int?

    public init(name: String, uuid: String, state: DomainState, isPersistent: Bool, id: Int?) {
        self.name = name
        self.uuid = uuid
        self.state = state
        self.isPersistent = isPersistent
        self.id = id
    }
}

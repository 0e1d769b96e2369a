/// Why a domain's guest agent cannot be reached, read from an ``SandboxError/Code/agentUnavailable``
/// (or `.notRunning`) error's libvirt code.
///
/// ``GuestAgentClient`` rewrites such errors with a message naming the reason, so people can tell
/// a domain that will never have an agent (no channel: fix the base VM) from a guest that has not
/// started its agent yet (wait, see ``GuestAgentClient/waitForAgent(timeout:interval:)``).
public enum AgentAvailability: Sendable, Hashable, CustomStringConvertible {
    /// The domain has no `org.qemu.guest_agent.0` channel (libvirt: `VIR_ERR_ARGUMENT_UNSUPPORTED`).
    case notConfigured
    /// The channel exists but no agent is connected to it, or it did not answer in time: the guest
    /// is still booting, or qemu-guest-agent is not installed or not running in it
    /// (`VIR_ERR_AGENT_UNRESPONSIVE`, `VIR_ERR_AGENT_UNSYNCED`).
    case notConnected
    /// The domain is not running (`VIR_ERR_OPERATION_INVALID`).
    case notRunning
    /// The connection's driver cannot talk to guest agents (`VIR_ERR_NO_SUPPORT`).
    case unsupported

    /// The reason behind `error`, or nil when it is not about the agent's availability.
    public init?(_ error: SandboxError) {
        let failure = error.libvirtFailure
        if failure == .argumentUnsupported {
            self = .notConfigured
        } else if failure == .agentUnresponsive || failure == .agentUnsynced {
            self = .notConnected
        } else if failure == .operationInvalid || error.code == .notRunning {
            self = .notRunning
        } else if failure == .notSupportedByDriver {
            self = .unsupported
        } else if error.code == .agentUnavailable {
            self = .notConnected
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .notConfigured: "no guest agent channel"
        case .notConnected: "guest agent not connected"
        case .notRunning: "domain not running"
        case .unsupported: "no guest agent support in the driver"
        }
    }

    /// `error` with a message that says why the agent cannot be reached; other errors unchanged.
    static func explain(_ error: SandboxError, domain: String, command: String) -> SandboxError {
        guard error.code == .agentUnavailable || error.code == .notRunning, let reason = AgentAvailability(error)
        else { return error }
        let detail = error.underlying.map { " (libvirt: \($0.message))" } ?? ""
        let message =
            switch reason {
            case .notConfigured:
                "\(domain) has no guest agent: its domain has no org.qemu.guest_agent.0 channel "
                    + "(add one to the base VM's XML)\(detail)"
            case .notConnected:
                "the guest agent of \(domain) is not connected (the guest may still be booting, or "
                    + "qemu-guest-agent is not installed or not running in it); \(command) was not run\(detail)"
            case .notRunning:
                "\(domain) is not running, so its guest agent cannot run \(command)\(detail)"
            case .unsupported:
                "this libvirt driver cannot talk to guest agents, so \(command) cannot run in \(domain)\(detail)"
            }
        return SandboxError(.agentUnavailable, message, underlying: error.underlying, diagnosis: error.diagnosis)
    }
}

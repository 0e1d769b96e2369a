internal import CLibvirt
import SandboxValues

/// The single funnel from libvirt's thread-local last error to ``SandboxError``.
///
/// libvirt keeps the last error per thread and overwrites it with the next call, so these functions
/// must run synchronously right after the failing call, on the same thread, with no `await` in
/// between. They clear the error once read.
enum LibvirtError {
    /// Reads and clears the calling thread's last libvirt error.
    ///
    /// - Parameters:
    ///   - operation: the failing C function, e.g. `virDomainCreate`.
    ///   - action: what was attempted, for people: "start domain 'web'".
    static func last(operation: String, _ action: String) -> SandboxError {
        let number: Int
        let domain: Int?
        let text: String
        if let error = virGetLastError() {
            number = Int(error.pointee.code)
            domain = Int(error.pointee.domain)
            text = error.pointee.message.map { String(cString: $0) } ?? "no message"
        } else {
            number = Int(VIR_ERR_INTERNAL_ERROR.rawValue)
            domain = nil
            text = "\(operation) failed without reporting an error"
        }
        virResetLastError()
        let underlying = SandboxError.Underlying(operation: operation, code: number, domain: domain, message: text)
        return SandboxError(code(for: number), "could not \(action): \(text)", underlying: underlying)
    }

    /// Returns `result` when it is not negative; otherwise throws the last libvirt error.
    @discardableResult
    static func check(_ result: Int32, operation: String, _ action: @autoclosure () -> String)
        throws(SandboxError) -> Int32
    {
        guard result >= 0 else { throw last(operation: operation, action()) }
        return result
    }

    /// Returns `pointer` when it is not `nil`; otherwise throws the last libvirt error.
    static func check<Pointer>(_ pointer: Pointer?, operation: String, _ action: @autoclosure () -> String)
        throws(SandboxError) -> Pointer
    {
        guard let pointer else { throw last(operation: operation, action()) }
        return pointer
    }

    /// The ``SandboxError/Code`` for a `virErrorNumber`.
    static func code(for number: Int) -> SandboxError.Code {
        switch number {
        case Int(VIR_ERR_NO_DOMAIN.rawValue), Int(VIR_ERR_NO_NETWORK.rawValue):
            .notFound
        case Int(VIR_ERR_DOM_EXIST.rawValue):
            .nameTaken
        default:
            .libvirt
        }
    }
}

/// What libvirt said went wrong, for the errors the library acts on: the binding's reading of
/// `virErrorNumber`, so no code above it needs libvirt's numbers.
package enum LibvirtFailure: Sendable, Hashable {
    /// The call's argument is not supported here (`VIR_ERR_ARGUMENT_UNSUPPORTED`); for guest-agent
    /// calls: the domain has no agent channel.
    case argumentUnsupported
    /// An argument or flag was rejected (`VIR_ERR_INVALID_ARG`).
    case invalidArgument
    /// The driver does not implement the call (`VIR_ERR_NO_SUPPORT`).
    case notSupportedByDriver
    /// The operation is not supported for this domain (`VIR_ERR_OPERATION_UNSUPPORTED`).
    case operationUnsupported
    /// Not possible in the domain's current state, e.g. not running (`VIR_ERR_OPERATION_INVALID`).
    case operationInvalid
    /// The guest agent does not answer (`VIR_ERR_AGENT_UNRESPONSIVE`).
    case agentUnresponsive
    /// The guest agent answered out of step (`VIR_ERR_AGENT_UNSYNCED`).
    case agentUnsynced
    /// The RPC layer failed, e.g. a reply past libvirt's message limit (`VIR_ERR_RPC`).
    case rpc
    /// Any other libvirt error number.
    case other(Int)

    init(number: Int) {
        self =
            switch number {
            case Int(VIR_ERR_ARGUMENT_UNSUPPORTED.rawValue): .argumentUnsupported
            case Int(VIR_ERR_INVALID_ARG.rawValue): .invalidArgument
            case Int(VIR_ERR_NO_SUPPORT.rawValue): .notSupportedByDriver
            case Int(VIR_ERR_OPERATION_UNSUPPORTED.rawValue): .operationUnsupported
            case Int(VIR_ERR_OPERATION_INVALID.rawValue): .operationInvalid
            case Int(VIR_ERR_AGENT_UNRESPONSIVE.rawValue): .agentUnresponsive
            case Int(VIR_ERR_AGENT_UNSYNCED.rawValue): .agentUnsynced
            case Int(VIR_ERR_RPC.rawValue): .rpc
            default: .other(number)
            }
    }
}

extension SandboxError {
    /// Whether this error came from libvirt with error number `number` (inside the binding only).
    func isLibvirtError(_ number: virErrorNumber) -> Bool {
        guard let underlying, underlying.domain != nil else { return false }
        return underlying.code == Int(number.rawValue)
    }

    /// What libvirt said went wrong, when this error came from libvirt.
    package var libvirtFailure: LibvirtFailure? {
        guard let underlying, underlying.domain != nil else { return nil }
        return LibvirtFailure(number: underlying.code)
    }

    /// Whether libvirt rejected the call's flags or does not implement it for this driver, so a
    /// simpler call may work.
    package var isUnsupportedByDriver: Bool {
        switch libvirtFailure {
        case .invalidArgument?, .notSupportedByDriver?, .argumentUnsupported?: true
        default: false
        }
    }
}

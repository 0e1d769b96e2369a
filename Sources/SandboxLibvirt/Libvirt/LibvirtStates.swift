import SandboxValues

// libvirt's numbers for domain states and lifecycle events, read here, in the binding alone.

extension DomainState {
    /// libvirt's `virDomainState` number.
    init(libvirtState value: Int) {
        switch value {
        case 0: self = .noState
        case 1: self = .running
        case 2: self = .blocked
        case 3: self = .paused
        case 4: self = .shuttingDown
        case 5: self = .shutOff
        case 6: self = .crashed
        case 7: self = .pmSuspended
        default: self = .unknown(value)
        }
    }
}

extension DomainLifecycleEvent.Kind {
    /// libvirt's `virDomainEventType` number.
    init(libvirtEvent value: Int) {
        switch value {
        case 0: self = .defined
        case 1: self = .undefined
        case 2: self = .started
        case 3: self = .suspended
        case 4: self = .resumed
        case 5: self = .stopped
        case 6: self = .shutdown
        case 7: self = .pmsuspended
        case 8: self = .crashed
        default: self = .other(value)
        }
    }
}

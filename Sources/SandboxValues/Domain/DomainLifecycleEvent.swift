/// A domain was defined, started, stopped …
public struct DomainLifecycleEvent: Sendable, Hashable, Codable {
    /// What happened; libvirt's `virDomainEventType`.
    public enum Kind: Sendable, Hashable, Codable {
        case defined
        case undefined
        case started
        case suspended
        case resumed
        case stopped
        case shutdown
        case pmsuspended
        case crashed
        /// An event type this library does not know yet, with libvirt's number for it.
        case other(Int)
    }

    public var domainName: String
    public var uuid: String
    public var kind: Kind
    /// libvirt's detail code for `kind` (for instance `virDomainEventStoppedDetailType`).
    public var detail: Int

    public init(domainName: String, uuid: String, kind: Kind, detail: Int) {
        self.domainName = domainName
        self.uuid = uuid
        self.kind = kind
        self.detail = detail
    }
}

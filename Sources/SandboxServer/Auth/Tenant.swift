/// Who a request acts for: a tenant named in the API keys file, or the local operator when the
/// server runs without keys (loopback only).
public struct Tenant: Sendable, Hashable {
    /// The tenant's name, recorded in the metadata of each sandbox it creates.
    public var name: String
    /// Sees and acts on every tenant's sandboxes, and may read `/metrics`.
    public var isAdmin: Bool

    public init(name: String, isAdmin: Bool = false) {
        self.name = name
        self.isAdmin = isAdmin
    }

    /// Everyone, when the server has no keys file: it then listens on loopback only, and every
    /// local process acts as this admin.
    public static let localOperator = Tenant(name: "local", isAdmin: true)

    /// Whether this tenant may see and act on a sandbox recorded for `owner` (nil: made without a
    /// tenant, before keys were configured or by another tool): admins see all, others their own.
    public func mayAccess(sandboxOf owner: String?) -> Bool {
        isAdmin || owner == name
    }
}

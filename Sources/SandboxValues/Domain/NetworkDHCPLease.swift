/// A DHCP lease handed out by a libvirt network.
public struct NetworkDHCPLease: Sendable, Hashable, Codable {
    public var mac: String
    public var ipAddress: String
    public var prefix: Int
    public var hostname: String?
    public var clientID: String?
    /// Seconds since the Unix epoch.
    public var expiryTime: Int64
    public var family: IPAddressFamily

    public init(
        mac: String, ipAddress: String, prefix: Int, hostname: String? = nil, clientID: String? = nil,
        expiryTime: Int64, family: IPAddressFamily
    ) {
        self.mac = mac
        self.ipAddress = ipAddress
        self.prefix = prefix
        self.hostname = hostname
        self.clientID = clientID
        self.expiryTime = expiryTime
        self.family = family
    }
}

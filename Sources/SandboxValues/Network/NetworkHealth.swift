import Foundation

/// Whether a libvirt network can give a sandbox an address: it is running, it has a DHCP range,
/// and a dnsmasq process serves it. What ``SandboxManager/validateBase(_:)`` and ``Diagnoser``
/// report about the network a sandbox joins (the original system's "is DHCP running?" step).
///
/// The dnsmasq check reads this machine's `/proc`: it sees libvirt's dnsmasq of a local daemon
/// (also one in another network namespace), never that of a remote host, so ``dnsmasqPID`` nil
/// is a warning, not an error. A plain value.
public struct NetworkHealth: Sendable, Hashable, Codable {
    public var network: String
    /// nil when libvirt could not be asked (see ``error``).
    public var active: Bool?
    /// The DHCP ranges of the network's IPv4/IPv6 definitions, as `start-end`.
    public var dhcpRanges: [String]
    /// The dnsmasq process libvirt started for the network, when one is visible on this machine.
    public var dnsmasqPID: Int32?
    /// Why the network could not be read.
    public var error: String?

    public init(
        network: String, active: Bool?, dhcpRanges: [String] = [], dnsmasqPID: Int32? = nil, error: String? = nil
    ) {
        self.network = network
        self.active = active
        self.dhcpRanges = dhcpRanges
        self.dnsmasqPID = dnsmasqPID
        self.error = error
    }
}

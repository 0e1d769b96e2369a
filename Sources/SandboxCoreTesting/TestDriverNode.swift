import Foundation
import SandboxCore

/// A host of libvirt's test driver in a file of its own (`test:///ABSOLUTE/PATH/node.xml`):
/// domains (``BaseVMDefinition``s, plus raw `<domain>` XML for ones with special metadata) and
/// networks, by default the `default` network with a DHCP range.
///
/// Every connection to the URI loads a fresh copy of the file, and the state lives in the
/// connecting process only: a CLI run or a server process started on it sees exactly what the file
/// says. A value: rendering is pure and deterministic.
public struct TestDriverNode: Sendable, Hashable {
    /// A libvirt network of the node: a bridge, an IPv4 address and an optional DHCP range.
    public struct Network: Sendable, Hashable {
        public var name: String
        public var bridge: String
        public var address: String
        public var netmask: String
        public var dhcpStart: String?
        public var dhcpEnd: String?

        public init(
            name: String = "default", bridge: String = "virbr0", address: String = "192.168.122.1",
            netmask: String = "255.255.255.0", dhcpStart: String? = "192.168.122.2",
            dhcpEnd: String? = "192.168.122.254"
        ) {
            self.name = name
            self.bridge = bridge
            self.address = address
            self.netmask = netmask
            self.dhcpStart = dhcpStart
            self.dhcpEnd = dhcpEnd
        }

        /// libvirt's stock `default` network: `virbr0`, 192.168.122.1/24, DHCP .2–.254.
        public static let `default` = Network()

        package var element: XMLTree {
            var ip = XMLTree("ip", [("address", address), ("netmask", netmask)])
            if let dhcpStart, let dhcpEnd {
                ip.children = [
                    .element(XMLTree("dhcp", children: [XMLTree("range", [("start", dhcpStart), ("end", dhcpEnd)])]))
                ]
            }
            return XMLTree(
                "network", children: [XMLTree("name", text: name), XMLTree("bridge", [("name", bridge)]), ip])
        }
    }

    public var domains: [BaseVMDefinition]
    /// Further `<domain>` elements, written as given (declare `xmlns:test` yourself for a
    /// `<test:runstate>`).
    public var rawDomains: [String]
    public var networks: [Network]

    public init(domains: [BaseVMDefinition] = [], rawDomains: [String] = [], networks: [Network] = [.default]) {
        self.domains = domains
        self.rawDomains = rawDomains
        self.networks = networks
    }

    /// The `<node>` document.
    public func xml() -> String {
        var out = "<node>\n"
        for domain in domains { out += domain.element.render() }
        for raw in rawDomains { out += raw + (raw.hasSuffix("\n") ? "" : "\n") }
        for network in networks { out += network.element.render() }
        return out + "</node>\n"
    }

    /// Writes the node to `path` (absolute) and returns its `test://` URI.
    ///
    /// - Errors: `.invalidArgument` for a relative path, `.io` when the file cannot be written.
    @discardableResult
    public func write(to path: String) throws(SandboxError) -> String {
        guard path.hasPrefix("/") else {
            throw SandboxError(.invalidArgument, "node file path \(path) is not absolute")
        }
        do {
            try Data(xml().utf8).write(to: URL(fileURLWithPath: path))
        } catch {
            throw SandboxError(.io, "cannot write \(path): \(error)")
        }
        return Self.uri(ofNodeFile: path)
    }

    /// The URI of the node file at `path` (absolute).
    public static func uri(ofNodeFile path: String) -> String { "test://" + path }
}

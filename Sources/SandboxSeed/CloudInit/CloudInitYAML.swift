import SandboxValues
import Yams

/// Renders the seed's YAML files: the fixed-shape meta-data and network-config with
/// ``YAMLBlockWriter``, user-data with Yams (it may carry caller cloud-config); never string
/// templates. Every string that came from a caller is emitted double-quoted and escaped, so no
/// value is re-read as a number, a boolean, a YAML 1.1 sexagesimal (a MAC such as
/// `52:54:00:12:34:56`!) or a new key.
package enum CloudInitYAML {
    package static func metaData(_ seed: CloudInitSeed) throws(SandboxError) -> String {
        var writer = YAMLBlockWriter()
        writer.quoted("instance-id", seed.instanceID, depth: 0)
        writer.quoted("local-hostname", seed.hostname.value, depth: 0)
        return writer.text
    }

    package static func networkConfig(_ config: NetworkConfig) throws(SandboxError) -> String {
        var writer = YAMLBlockWriter()
        writer.plain("version", "2", depth: 0)
        guard !config.ethernets.isEmpty else { return writer.text + "ethernets: {}\n" }
        writer.open("ethernets", depth: 0)
        for nic in config.ethernets {
            writer.open(nic.interfaceName, depth: 1)
            writer.open("match", depth: 2)
            writer.quoted("macaddress", nic.mac.description, depth: 3)
            writer.quoted("set-name", nic.interfaceName, depth: 2)
            writer.plain("dhcp4", nic.dhcp4 ? "true" : "false", depth: 2)
            if nic.dhcp6 { writer.plain("dhcp6", "true", depth: 2) }
            if let acceptRA = nic.acceptRA { writer.plain("accept-ra", acceptRA ? "true" : "false", depth: 2) }
            if nic.dhcpIdentifierMAC && nic.usesDHCP { writer.plain("dhcp-identifier", "mac", depth: 2) }
            if !nic.addresses.isEmpty {
                writer.flowList("addresses", nic.addresses.map { quote($0.description) }, depth: 2)
            }
            // gateway4/gateway6, not `routes`: netplan calls them deprecated but renders them, and
            // cloud-init 22.x's ENI renderer gets an IPv6 default route right only this way
            // (`to: ::/0` becomes `::/64`, `to: default` is refused).
            if let gateway = nic.gateway4 { writer.quoted("gateway4", gateway.description, depth: 2) }
            if let gateway = nic.gateway6 { writer.quoted("gateway6", gateway.description, depth: 2) }
            if !nic.nameservers.isEmpty || !nic.searchDomains.isEmpty {
                writer.open("nameservers", depth: 2)
                if !nic.nameservers.isEmpty {
                    writer.flowList("addresses", nic.nameservers.map { quote($0.description) }, depth: 3)
                }
                if !nic.searchDomains.isEmpty {
                    writer.flowList("search", nic.searchDomains.map { quote($0) }, depth: 3)
                }
            }
        }
        return writer.text
    }

    private static func quote(_ text: String) -> String { YAMLBlockWriter.doubleQuoted(text) }

    package static func userData(_ data: UserData) throws(SandboxError) -> String {
        var pairs: [(Node, Node)] = []
        if !data.sshAuthorizedKeys.isEmpty {
            let user = mapping([
                ("name", quoted(data.sshUser)),
                ("lock_passwd", bool(false)),
                ("ssh_authorized_keys", .sequence(Node.Sequence(data.sshAuthorizedKeys.map(quoted)))),
            ])
            pairs.append((plain("users"), .sequence(Node.Sequence([user]))))
            if data.sshUser == "root" { pairs.append((plain("disable_root"), bool(false))) }
        }
        if !data.sshHostKeys.isEmpty {
            var keys: [(String, Node)] = []
            for key in data.sshHostKeys {
                guard let algorithm = key.algorithm?.rawValue else { continue }
                let privateKey = key.privateKey.hasSuffix("\n") ? key.privateKey : key.privateKey + "\n"
                keys.append(("\(algorithm)_private", quoted(privateKey)))
                keys.append(("\(algorithm)_public", quoted(key.publicKey)))
            }
            pairs.append((plain("ssh_keys"), mapping(keys)))
        }
        if let extra = data.extraCloudConfig {
            let extraPairs = try parseMapping(extra, what: "extra cloud-config")
            let overridden = Set(extraPairs.compactMap { $0.0.string })
            pairs.removeAll { overridden.contains($0.0.string ?? "") }
            pairs.append(contentsOf: extraPairs)
        }
        if data.resetMachineID {
            // First in bootcmd (before the caller's own entries), once per instance.
            let command = Node.sequence(Node.Sequence(UserData.machineIDResetCommand.map(quoted)))
            if let index = pairs.firstIndex(where: { $0.0.string == "bootcmd" }),
                case .sequence(let own) = pairs[index].1
            {
                pairs[index].1 = .sequence(Node.Sequence([command] + Array(own)))
            } else {
                pairs.removeAll { $0.0.string == "bootcmd" }
                pairs.append((plain("bootcmd"), .sequence(Node.Sequence([command]))))
            }
        }
        guard !pairs.isEmpty else { return "#cloud-config\n{}\n" }
        return "#cloud-config\n" + (try emit(.mapping(Node.Mapping(pairs))))
    }

    /// A caller's network-config: a YAML mapping, optionally under a top-level `network:` key, with
    /// `version: 1` or `version: 2`, at most 64 KiB.
    package static func validateCustomNetworkConfig(_ text: String) throws(SandboxError) {
        guard text.utf8.count <= 65_536 else { throw .invalid("custom network-config is larger than 64 KiB") }
        var pairs = try parseMapping(text, what: "custom network-config")
        if pairs.count == 1, pairs[0].0.string == "network", case .mapping(let inner) = pairs[0].1 {
            pairs = Array(inner)
        }
        guard let version = pairs.first(where: { $0.0.string == "version" })?.1.int, version == 1 || version == 2 else {
            throw .invalid("custom network-config must have 'version: 1' or 'version: 2'")
        }
    }

    /// Parses a cloud-config document that must be a mapping (or empty).
    package static func parseMapping(_ text: String, what: String) throws(SandboxError) -> [(Node, Node)] {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw SandboxError(.invalidArgument, "\(what) is not valid YAML: \(error)")
        }
        guard let node else { return [] }
        guard case .mapping(let map) = node else { throw .invalid("\(what) must be a YAML mapping") }
        return Array(map)
    }

    private static func emit(_ node: Node) throws(SandboxError) -> String {
        do {
            return try Yams.serialize(node: node, width: -1, allowUnicode: true)
        } catch {
            throw SandboxError(.seedBuildFailed, "YAML emission failed: \(error)")
        }
    }

    private static func mapping(_ pairs: [(String, Node)]) -> Node {
        .mapping(Node.Mapping(pairs.map { (plain($0.0), $0.1) }))
    }

    private static func quoted(_ text: String) -> Node {
        .scalar(Node.Scalar(text, .implicit, .doubleQuoted))
    }

    private static func plain(_ text: String) -> Node {
        .scalar(Node.Scalar(text, .implicit, .plain))
    }

    private static func bool(_ value: Bool) -> Node { plain(value ? "true" : "false") }
}

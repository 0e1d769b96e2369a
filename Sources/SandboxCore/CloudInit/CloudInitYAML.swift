import Yams

/// Renders the seed's YAML files: the fixed-shape meta-data and network-config with
/// ``YAMLBlockWriter``, user-data with Yams (it may carry caller cloud-config); never string
/// templates. Every string that came from a caller is emitted double-quoted and escaped, so no
/// value is re-read as a number, a boolean, a YAML 1.1 sexagesimal (a MAC such as
/// `52:54:00:12:34:56`!) or a new key.
enum CloudInitYAML {
    static func metaData(_ seed: CloudInitSeed) throws(SandboxError) -> String {
        var writer = YAMLBlockWriter()
        writer.quoted("instance-id", seed.instanceID, depth: 0)
        writer.quoted("local-hostname", seed.hostname.value, depth: 0)
        return writer.text
    }

    static func networkConfig(_ config: NetworkConfig) throws(SandboxError) -> String {
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
            if nic.dhcpIdentifierMAC { writer.plain("dhcp-identifier", "mac", depth: 2) }
        }
        return writer.text
    }

    static func userData(_ data: UserData) throws(SandboxError) -> String {
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
        if let extra = data.extraCloudConfig {
            let extraPairs = try parseMapping(extra, what: "extra cloud-config")
            let overridden = Set(extraPairs.compactMap { $0.0.string })
            pairs.removeAll { overridden.contains($0.0.string ?? "") }
            pairs.append(contentsOf: extraPairs)
        }
        guard !pairs.isEmpty else { return "#cloud-config\n{}\n" }
        return "#cloud-config\n" + (try emit(.mapping(Node.Mapping(pairs))))
    }

    /// Parses a cloud-config document that must be a mapping (or empty).
    static func parseMapping(_ text: String, what: String) throws(SandboxError) -> [(Node, Node)] {
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

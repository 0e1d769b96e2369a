import Yams

/// Renders the seed's YAML files with Yams (never string templates). Every string that came from
/// a caller is emitted double-quoted, so no value is re-read as a number, a boolean, a YAML 1.1
/// sexagesimal (a MAC such as `52:54:00:12:34:56`!) or a new key.
enum CloudInitYAML {
    static func metaData(_ seed: CloudInitSeed) throws(SandboxError) -> String {
        try emit(
            mapping([
                ("instance-id", quoted(seed.instanceID)),
                ("local-hostname", quoted(seed.hostname.value)),
            ]))
    }

    static func networkConfig(_ config: NetworkConfig) throws(SandboxError) -> String {
        var ethernets: [(String, Node)] = []
        for nic in config.ethernets {
            var entry: [(String, Node)] = [
                ("match", mapping([("macaddress", quoted(nic.mac.description))])),
                ("set-name", quoted(nic.interfaceName)),
                ("dhcp4", bool(nic.dhcp4)),
            ]
            if nic.dhcp6 { entry.append(("dhcp6", bool(true))) }
            if nic.dhcpIdentifierMAC { entry.append(("dhcp-identifier", plain("mac"))) }
            ethernets.append((nic.interfaceName, mapping(entry)))
        }
        return try emit(mapping([("version", plain("2")), ("ethernets", mapping(ethernets))]))
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

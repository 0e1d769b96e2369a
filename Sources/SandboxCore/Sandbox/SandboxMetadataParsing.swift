import Foundation
import FoundationXML

extension SandboxMetadata {
    /// Reads the `<sandbox:sandbox>` element libvirt returns for ``SandboxMetadata/namespaceURI``.
    /// Returns nil when it is not SandboxCore's metadata.
    init?(metadataXML: String) {
        guard let document = try? XMLDocument(xmlString: metadataXML, options: []),
            let root = document.rootElement(), root.localName == "sandbox"
        else { return nil }
        var fields: [String: String] = [:]
        for case let child as XMLElement in root.children ?? [] {
            if let name = child.localName { fields[name] = child.stringValue ?? "" }
        }
        guard let owner = fields["owner"], let base = fields["base"],
            let created = fields["created"].flatMap({ Int64($0) })
        else { return nil }
        self.init(
            owner: owner, baseVM: base, createdAt: created, agentID: fields["agent"],
            ttlSeconds: fields["ttl"].flatMap { Int($0) }, jobDirectory: fields["job"],
            tenant: fields["tenant"],
            ssh: fields["sshuser"].map { user in
                SSHEndpoint(
                    user: user, hostKeys: (fields["sshhostkeys"] ?? "").split(separator: "\n").map(String.init))
            })
    }
}

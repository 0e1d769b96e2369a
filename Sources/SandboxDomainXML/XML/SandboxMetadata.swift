import Foundation
import FoundationXML
import SandboxValues

/// Who owns a domain and why it exists; stored in the domain's `<metadata>` under
/// ``SandboxMetadata/namespaceURI`` so a library instance can find its sandboxes again.
public struct SandboxMetadata: Sendable, Hashable, Codable {
    /// The XML namespace of SandboxCore's metadata element.
    public static let namespaceURI = "urn:x-sandboxcore:sandbox:1"
    /// The namespace prefix used when rendering.
    public static let namespacePrefix = "sandbox"

    /// The owning service or library instance (default `sandboxcore`).
    public var owner: String
    /// The base VM the sandbox was cloned from.
    public var baseVM: String
    /// Creation time, seconds since the epoch (UTC).
    public var createdAt: Int64
    /// The agent the sandbox was made for, if any.
    public var agentID: String?
    /// Seconds after `createdAt` when the sandbox may be reaped.
    public var ttlSeconds: Int?
    /// The job folder holding the overlay and seed.
    public var jobDirectory: String?
    /// The tenant the sandbox belongs to, when a multi-tenant service made it.
    public var tenant: String?
    /// How to reach the sandbox over SSH when its seed installed host keys: the login user and the
    /// host public keys to pin.
    public var ssh: SSHEndpoint?
    /// The base VM's expected boot time (its ``BaseVMHints``) when the sandbox was made, in
    /// seconds: a wait for the sandbox's address scales its timeout by it without asking the base.
    public var expectedBootSeconds: Int?

    public init(
        owner: String = "sandboxcore", baseVM: String, createdAt: Int64, agentID: String? = nil,
        ttlSeconds: Int? = nil, jobDirectory: String? = nil, tenant: String? = nil, ssh: SSHEndpoint? = nil,
        expectedBootSeconds: Int? = nil
    ) {
        self.expectedBootSeconds = expectedBootSeconds
        self.tenant = tenant
        self.ssh = ssh
        self.owner = owner
        self.baseVM = baseVM
        self.createdAt = createdAt
        self.agentID = agentID
        self.ttlSeconds = ttlSeconds
        self.jobDirectory = jobDirectory
    }

    package func validate() throws(SandboxError) {
        try ValueChecks.token(owner, what: "owner")
        try ValueChecks.freeText(baseVM, what: "base VM name", maxBytes: 255)
        if let agentID { try ValueChecks.freeText(agentID, what: "agent id", maxBytes: 255) }
        if let ttlSeconds, !(1...Self.maxTTLSeconds).contains(ttlSeconds) {
            throw .invalid("TTL must be 1…\(Self.maxTTLSeconds) seconds (10 years), not \(ttlSeconds)")
        }
        if let jobDirectory { try ValueChecks.absolutePath(jobDirectory, what: "job directory") }
        if let tenant { try ValueChecks.token(tenant, what: "tenant") }
        if let ssh {
            try ValueChecks.token(ssh.user, what: "SSH user")
            for key in ssh.hostKeys { try ValueChecks.freeText(key, what: "SSH host key", maxBytes: 16_384) }
        }
        if let expectedBootSeconds, !(1...86_400).contains(expectedBootSeconds) {
            throw .invalid("the expected boot time must be 1…86400 seconds, not \(expectedBootSeconds)")
        }
    }
}

extension SandboxMetadata {
    /// The `<sandbox:sandbox>` element alone, as stored in a domain's `<metadata>` and returned by
    /// libvirt's metadata API; `prefix` names the namespace.
    package func element(prefix: String = SandboxMetadata.namespacePrefix) -> XMLTree {
        var fields: [XMLTree] = [
            XMLTree("\(prefix):owner", text: owner),
            XMLTree("\(prefix):base", text: baseVM),
            XMLTree("\(prefix):created", text: String(createdAt)),
        ]
        if let agentID { fields.append(XMLTree("\(prefix):agent", text: agentID)) }
        if let ttlSeconds { fields.append(XMLTree("\(prefix):ttl", text: String(ttlSeconds))) }
        if let jobDirectory { fields.append(XMLTree("\(prefix):job", text: jobDirectory)) }
        if let tenant { fields.append(XMLTree("\(prefix):tenant", text: tenant)) }
        if let ssh {
            fields.append(XMLTree("\(prefix):sshuser", text: ssh.user))
            fields.append(XMLTree("\(prefix):sshhostkeys", text: ssh.hostKeys.joined(separator: "\n")))
        }
        if let expectedBootSeconds { fields.append(XMLTree("\(prefix):boot", text: String(expectedBootSeconds))) }
        return XMLTree("\(prefix):sandbox", [("xmlns:\(prefix)", Self.namespaceURI)], children: fields)
    }

    /// Reads the `<sandbox:sandbox>` element (as libvirt's metadata API returns it, or as found in
    /// a domain's `<metadata>`); nil when it is not SandboxCore's metadata.
    public init?(metadataXML: String) {
        guard !metadataXML.allSatisfy(\.isWhitespace),
            let document = try? XMLDocument(xmlString: metadataXML, options: []), let root = document.rootElement()
        else { return nil }
        self.init(element: root)
    }

    /// Reads a parsed `<sandbox:sandbox>` element; nil when it is not SandboxCore's metadata.
    init?(element root: XMLElement) {
        guard root.localName == "sandbox" else { return nil }
        var fields: [String: String] = [:]
        for case let child as XMLElement in root.children ?? [] {
            if let name = child.localName { fields[name] = child.stringValue ?? "" }
        }
        guard let owner = fields["owner"], let base = fields["base"],
            let created = fields["created"].flatMap({ Int64($0) })
        else { return nil }
        self.init(
            owner: owner, baseVM: base, createdAt: created, agentID: fields["agent"],
            ttlSeconds: fields["ttl"].flatMap { Int($0) }, jobDirectory: fields["job"], tenant: fields["tenant"],
            ssh: fields["sshuser"].map { user in
                SSHEndpoint(
                    user: user, hostKeys: (fields["sshhostkeys"] ?? "").split(separator: "\n").map(String.init))
            },
            expectedBootSeconds: fields["boot"].flatMap { Int($0) })
    }
}

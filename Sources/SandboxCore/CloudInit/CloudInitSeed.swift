/// What goes on one sandbox's cloud-init NoCloud seed: `meta-data`, `user-data`,
/// `network-config` and, optionally, `vendor-data`.
///
/// The instance-id must be the sandbox's own: a clone that boots with its base's instance-id makes
/// cloud-init skip network setup for the clone's new MAC, and the clone never gets an address.
public struct CloudInitSeed: Sendable, Hashable {
    /// `instance-id` in meta-data: non-empty, at most 255 bytes, no control characters.
    public var instanceID: String
    /// `local-hostname` in meta-data.
    public var hostname: Hostname
    public var network: NetworkConfig
    public var userData: UserData
    /// Raw `vendor-data`; omitted from the seed when nil.
    public var vendorData: String?

    public init(
        instanceID: String, hostname: Hostname, network: NetworkConfig, userData: UserData = UserData(),
        vendorData: String? = nil
    ) {
        self.instanceID = instanceID
        self.hostname = hostname
        self.network = network
        self.userData = userData
        self.vendorData = vendorData
    }

    /// The seed of a sandbox: instance-id = its name, hostname = the given one or the name's
    /// default host name, DHCP on a NIC matched by `mac`.
    public init(sandbox name: SandboxName, mac: MACAddress, hostname: Hostname? = nil, userData: UserData = UserData())
        throws(SandboxError)
    {
        let host: Hostname
        if let hostname { host = hostname } else { host = try name.defaultHostname }
        self.init(instanceID: name.value, hostname: host, network: .dhcp(mac: mac), userData: userData)
    }

    /// Throws `.invalidArgument` naming the first unacceptable value.
    public func validate() throws(SandboxError) {
        guard !instanceID.isEmpty else { throw .invalid("instance-id must not be empty") }
        try ValueChecks.freeText(instanceID, what: "instance-id", maxBytes: 255)
        try network.validate()
        try userData.validate()
        if let vendorData, vendorData.utf8.count > UserData.maxBytes {
            throw .invalid("vendor-data is larger than \(UserData.maxBytes) bytes")
        }
    }
}

/// The `#cloud-config` user-data of a sandbox.
///
/// By default it is an empty `#cloud-config` mapping: it adds no users, and the base image's accounts and
/// its own `cloud.cfg` stay in charge. SSH keys, when given, are installed for ``sshUser`` (an
/// account that exists in the base image, `root` by default; its password is left as it is). ``extraCloudConfig`` is a caller's cloud-config mapping merged on top: its keys win.
public struct UserData: Sendable, Hashable {
    /// The largest user-data accepted (cloud-init and QEMU's fw_cfg put limits well above this).
    public static let maxBytes = 1 << 20

    public var sshAuthorizedKeys: [String]
    public var sshUser: String
    /// A YAML mapping (with or without a leading `#cloud-config` line).
    public var extraCloudConfig: String?

    public init(sshAuthorizedKeys: [String] = [], sshUser: String = "root", extraCloudConfig: String? = nil) {
        self.sshAuthorizedKeys = sshAuthorizedKeys
        self.sshUser = sshUser
        self.extraCloudConfig = extraCloudConfig
    }

    func validate() throws(SandboxError) {
        for key in sshAuthorizedKeys {
            try ValueChecks.freeText(key, what: "SSH authorized key", maxBytes: 16_384)
            let type = key.split(separator: " ", maxSplits: 1).first.map(String.init) ?? ""
            guard type.hasPrefix("ssh-") || type.hasPrefix("ecdsa-") || type.hasPrefix("sk-"),
                key.split(separator: " ").count >= 2
            else {
                throw .invalid("SSH authorized key \(ValueChecks.quoted(key)) is not '<type> <base64> [comment]'")
            }
        }
        // POSIX portable user names.
        guard (1...32).contains(sshUser.utf8.count),
            sshUser.utf8.allSatisfy({ Hostname.isLabelByte($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") }),
            sshUser.first != "-"
        else { throw .invalid("SSH user \(ValueChecks.quoted(sshUser)) is not a valid user name") }
        if let extraCloudConfig {
            guard extraCloudConfig.utf8.count <= Self.maxBytes else {
                throw .invalid("extra cloud-config is larger than \(Self.maxBytes) bytes")
            }
            _ = try CloudInitYAML.parseMapping(extraCloudConfig, what: "extra cloud-config")
        }
    }
}

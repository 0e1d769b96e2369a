import SandboxValues

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
    /// A caller's own network-config (version 1 or 2, with or without a top-level `network:` key)
    /// used verbatim instead of the one rendered from ``network``; NoCloud only. It is checked to be
    /// a YAML mapping with a supported version; matching NICs is up to it (``network`` still
    /// describes the NICs the domain gets).
    public var customNetworkConfig: String?
    /// NoCloud (`cidata`) or ConfigDrive (`config-2`).
    public var format: SeedFormat

    public init(
        instanceID: String, hostname: Hostname, network: NetworkConfig, userData: UserData = UserData(),
        vendorData: String? = nil, customNetworkConfig: String? = nil, format: SeedFormat = .noCloud
    ) {
        self.instanceID = instanceID
        self.hostname = hostname
        self.network = network
        self.userData = userData
        self.vendorData = vendorData
        self.customNetworkConfig = customNetworkConfig
        self.format = format
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
        if let customNetworkConfig {
            guard format == .noCloud else {
                throw .invalid(
                    "a custom network-config needs the NoCloud seed format (ConfigDrive has network_data.json)")
            }
            try CloudInitYAML.validateCustomNetworkConfig(customNetworkConfig)
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
    /// Host keys the guest's sshd uses instead of generating its own (cloud-init's `ssh_keys`), at
    /// most one per ``SSHHostKey/Algorithm``. With them, cloud-init removes the keys the image
    /// carries and generates none, so the guest presents exactly these: pin them.
    public var sshHostKeys: [SSHHostKey] = []
    /// Give the clone its own `/etc/machine-id` on its first boot (a `bootcmd`, once per instance:
    /// the file is removed and `systemd-machine-id-setup` makes a new one). Needed when the base
    /// image was not generalised (its machine-id is set): otherwise every clone shares it, and with
    /// it journald's identity and DHCP DUIDs. Services that started before cloud-init keep the old
    /// id until the next boot; DHCP is safe either way (the seed sends the MAC as client id).
    public var resetMachineID: Bool

    public init(
        sshAuthorizedKeys: [String] = [], sshUser: String = "root", extraCloudConfig: String? = nil,
        resetMachineID: Bool = false
    ) {
        self.sshAuthorizedKeys = sshAuthorizedKeys
        self.sshUser = sshUser
        self.extraCloudConfig = extraCloudConfig
        self.resetMachineID = resetMachineID
    }

    /// The bootcmd entry of ``resetMachineID``.
    package static let machineIDResetCommand = [
        "cloud-init-per", "instance", "sandboxcore-machine-id", "sh", "-c",
        "rm -f /etc/machine-id && systemd-machine-id-setup && if [ -d /var/lib/dbus ]; then ln -sf /etc/machine-id /var/lib/dbus/machine-id; fi",
    ]

    package func validate() throws(SandboxError) {
        var algorithms: Set<SSHHostKey.Algorithm> = []
        for key in sshHostKeys {
            try key.validate()
            guard let algorithm = key.algorithm, algorithms.insert(algorithm).inserted else {
                throw .invalid("at most one SSH host key per algorithm (\(key.algorithm?.rawValue ?? "?") twice)")
            }
        }
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

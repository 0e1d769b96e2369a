import SandboxValues

/// Which cloud-init datasource a sandbox's seed disk speaks.
public enum SeedFormat: String, Sendable, Hashable, Codable, CaseIterable {
    /// NoCloud: volume `cidata` with `meta-data`, `user-data`, `network-config` (and `vendor-data`).
    /// Every cloud-init image enables it by default.
    case noCloud = "nocloud"
    /// OpenStack ConfigDrive: volume `config-2` with `openstack/latest/meta_data.json`,
    /// `user_data`, `network_data.json` (and `vendor_data.json`), for images whose
    /// `datasource_list` only names ConfigDrive/OpenStack.
    case configDrive = "configdrive"

    /// The ISO volume label cloud-init looks for.
    public var volumeID: String {
        switch self {
        case .noCloud: "cidata"
        case .configDrive: "config-2"
        }
    }
}

import SandboxValues

/// The rendered text files of a seed, exactly as they go on the ISO. For ConfigDrive the four
/// texts are `meta_data.json`, `user_data`, `network_data.json` and `vendor_data.json`.
public struct SeedFiles: Sendable, Hashable {
    public var metaData: String
    public var userData: String
    public var networkConfig: String
    public var vendorData: String?
    public var format: SeedFormat = .noCloud

    /// The names of the meta-data, user-data, network-config and vendor-data files in `format`,
    /// on the ISO and beside it.
    public static func fileNames(_ format: SeedFormat) -> (
        metaData: String, userData: String, networkConfig: String, vendorData: String
    ) {
        switch format {
        case .noCloud: ("meta-data", "user-data", "network-config", "vendor-data")
        case .configDrive: ("meta_data.json", "user_data", "network_data.json", "vendor_data.json")
        }
    }

    /// `(file name, contents)` in ISO order; `vendor-data` only when present.
    public var named: [(name: String, contents: String)] {
        let n = Self.fileNames(format)
        let names = [n.metaData, n.userData, n.networkConfig, n.vendorData]
        var files = [(names[0], metaData), (names[1], userData), (names[2], networkConfig)]
        if let vendorData { files.append((names[3], vendorData)) }
        return files
    }

    /// The files' folders on the ISO: the root for NoCloud, `openstack/latest` for ConfigDrive.
    package var folders: [String] { format == .noCloud ? [] : ConfigDrive.folders }
}

/// Builds cloud-init seeds: the files and an ISO9660 volume with Rock Ridge and Joliet, written
/// in-process with libisofs (no temporary files, no external tools). NoCloud (`cidata`) by
/// default, ConfigDrive (`config-2`) when the seed's ``CloudInitSeed/format`` says so.
///
/// Pure and deterministic: every timestamp in the image is ``timestamp``, so the same seed gives
/// byte-identical ISOs. Thread-safe.
public struct CloudInitSeedBuilder: Sendable {
    /// 2000-01-01T00:00:00Z, the time stamped on every ISO unless the caller gives another.
    public static let defaultTimestamp: Int64 = 946_684_800
    /// The volume label NoCloud looks for.
    public static let volumeID = SeedFormat.noCloud.volumeID

    /// Seconds since the epoch stamped on the volume and on every file.
    public var timestamp: Int64

    public init(timestamp: Int64 = CloudInitSeedBuilder.defaultTimestamp) {
        self.timestamp = timestamp
    }

    /// Validates the seed and renders its files.
    public func files(for seed: CloudInitSeed) throws(SandboxError) -> SeedFiles {
        try seed.validate()
        let userData = try CloudInitYAML.userData(seed.userData)
        switch seed.format {
        case .noCloud:
            var networkConfig = seed.customNetworkConfig ?? ""
            if seed.customNetworkConfig == nil { networkConfig = try CloudInitYAML.networkConfig(seed.network) }
            return SeedFiles(
                metaData: try CloudInitYAML.metaData(seed), userData: userData, networkConfig: networkConfig,
                vendorData: seed.vendorData)
        case .configDrive:
            var vendor: String?
            if let vendorData = seed.vendorData { vendor = try ConfigDrive.vendorData(vendorData) }
            return SeedFiles(
                metaData: try ConfigDrive.metaData(seed), userData: userData,
                networkConfig: try ConfigDrive.networkData(seed.network), vendorData: vendor, format: .configDrive)
        }
    }

    /// The seed ISO's bytes.
    public func isoImage(for seed: CloudInitSeed) throws(SandboxError) -> [UInt8] {
        try isoImage(of: try files(for: seed))
    }

    package func isoImage(of files: SeedFiles) throws(SandboxError) -> [UInt8] {
        let folders = files.folders
        let entries = files.named.map { ISOFile(name: $0.name, contents: Array($0.contents.utf8), folders: folders) }
        return try ISO9660Image.build(volumeID: files.format.volumeID, files: entries, timestamp: timestamp)
    }

    /// Writes the ISO to `isoPath` atomically (mode 0600) and, when `plainFilesDirectory` is given,
    /// the plain `meta-data`, `user-data`, `network-config` (and `vendor-data`) files there too, for
    /// people debugging a guest. Nothing is written when the seed is invalid.
    @discardableResult
    public func write(_ seed: CloudInitSeed, isoPath: String, plainFilesDirectory: String? = nil)
        throws(SandboxError) -> SeedFiles
    {
        try ValueChecks.absolutePath(isoPath, what: "seed ISO path")
        if let plainFilesDirectory { try ValueChecks.absolutePath(plainFilesDirectory, what: "seed files folder") }
        let rendered = try files(for: seed)
        let image = try isoImage(of: rendered)
        try AtomicFile.write(image, to: isoPath)
        if let folder = plainFilesDirectory {
            let prefix = folder.hasSuffix("/") ? folder : folder + "/"
            for file in rendered.named {
                try AtomicFile.write(Array(file.contents.utf8), to: prefix + file.name)
            }
        }
        return rendered
    }
}

/// What one address source answered.
public struct SourceReport: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Outcome: String, Sendable, Hashable, Codable {
        /// The source knows at least one usable address.
        case found
        /// The source works but knows no usable address for the MAC.
        case empty
        /// The driver, domain or guest does not offer this source.
        case unavailable
        /// Asking failed.
        case failed
    }

    public var source: DiscoverySource
    public var outcome: Outcome
    public var addresses: [DiscoveredAddress]
    /// Why the source is unavailable or failed.
    public var message: String?

    public init(source: DiscoverySource, outcome: Outcome, addresses: [DiscoveredAddress] = [], message: String? = nil)
    {
        self.source = source
        self.outcome = outcome
        self.addresses = addresses
        self.message = message
    }

    public var description: String {
        switch outcome {
        case .found: "\(source): \(addresses.map(\.address).joined(separator: ", "))"
        case .empty: "\(source): nothing"
        case .unavailable: "\(source): unavailable (\(message ?? "not offered"))"
        case .failed: "\(source): failed (\(message ?? "no message"))"
        }
    }
}

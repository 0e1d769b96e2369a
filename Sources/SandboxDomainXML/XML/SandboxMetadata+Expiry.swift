/// When a sandbox may be reaped: `createdAt + ttlSeconds`, computed so that it can never trap.
///
/// Metadata is read back from libvirt, where anyone with access to the connection may have
/// written any number: a TTL of `Int64.max` must not crash a list or a janitor's sweep, so the sum
/// saturates at `Int64.max` (never) or `Int64.min` instead of overflowing.
extension SandboxMetadata {
    /// The longest TTL a create accepts: ten years of 366 days, in seconds.
    public static let maxTTLSeconds = 10 * 366 * 86_400

    /// `createdAt + ttlSeconds`, saturating; nil without a TTL. Pure.
    public static func expiry(createdAt: Int64, ttlSeconds: Int?) -> Int64? {
        guard let ttlSeconds else { return nil }
        let ttl = Int64(clamping: ttlSeconds)
        let (sum, overflow) = createdAt.addingReportingOverflow(ttl)
        guard overflow else { return sum }
        return ttl > 0 ? .max : .min
    }

    /// ``expiry(createdAt:ttlSeconds:)`` of this metadata.
    public var expiresAt: Int64? { Self.expiry(createdAt: createdAt, ttlSeconds: ttlSeconds) }
}

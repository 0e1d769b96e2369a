extension SandboxSummary {
    /// Seconds since the epoch after which the sandbox may be reaped (saturating; see
    /// ``SandboxMetadata/expiry(createdAt:ttlSeconds:)``); nil without a TTL.
    public var expiresAt: Int64? { SandboxMetadata.expiry(createdAt: createdAt, ttlSeconds: ttlSeconds) }
}

extension Sandbox {
    /// Seconds since the epoch after which the sandbox may be reaped (saturating); nil without a TTL.
    public var expiresAt: Int64? { SandboxMetadata.expiry(createdAt: createdAt, ttlSeconds: ttlSeconds) }
}

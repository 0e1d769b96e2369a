extension SandboxManager {
    /// Stops every running sandbox of this manager's owner whose overlay disk occupies more than
    /// `maxBytes` of host storage, and returns what it found over the cap.
    ///
    /// Reads each running (or paused) sandbox's overlay with ``DomainManager/blockInfo(named:disk:)``
    /// and compares its `allocation`. One over the cap is destroyed — stopped like pulling the
    /// plug — but not undefined: its definition, job folder and disk stay for inspection until
    /// ``destroy(_:)``. A sandbox whose size cannot be read (it stopped or vanished meanwhile) is
    /// logged and skipped; so is a failed stop, reported with ``DiskCapViolation/stopped`` false.
    /// Shut-off sandboxes are not measured: they cannot grow.
    ///
    /// Meant to be called periodically (a service's janitor). Throws `.invalidArgument` for a
    /// zero cap, and what listing the sandboxes throws.
    public func enforceDiskCap(maxBytes: UInt64) async throws(SandboxError) -> [DiskCapViolation] {
        guard maxBytes > 0 else { throw .invalid("the disk cap must be positive") }
        var violations: [DiskCapViolation] = []
        for sandbox in try await list() where sandbox.state != .shutOff {
            let disk = sandbox.jobDirectory.map { $0 + "/" + JobFile.overlay } ?? "vda"
            let info: DiskBlockInfo
            do {
                info = try await domains.blockInfo(named: sandbox.name, disk: disk)
            } catch {
                logger.debug(
                    "disk cap: cannot read the overlay's size",
                    metadata: ["sandbox": "\(sandbox.name)", "disk": "\(disk)", "error": "\(error)"])
                continue
            }
            guard info.allocation > maxBytes else { continue }
            var violation = DiskCapViolation(
                name: sandbox.name, disk: disk, blockInfo: info, maxBytes: maxBytes, stopped: false)
            do {
                try await domains.destroy(named: sandbox.name)
                violation.stopped = true
                logger.warning(
                    "disk cap: sandbox stopped",
                    metadata: [
                        "sandbox": "\(sandbox.name)", "allocation": "\(info.allocation)", "cap": "\(maxBytes)",
                    ])
            } catch {
                violation.error = error.message
                logger.error(
                    "disk cap: cannot stop sandbox over the cap",
                    metadata: ["sandbox": "\(sandbox.name)", "error": "\(error)"])
            }
            violations.append(violation)
        }
        return violations
    }
}

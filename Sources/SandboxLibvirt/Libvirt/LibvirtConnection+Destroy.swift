internal import CLibvirt
import Foundation
import SandboxValues

extension LibvirtConnection {
    /// Stops domain `name` at once (`virDomainDestroy`); a domain that is not running is left as it is.
    ///
    /// `virDomainDestroy` returns only once QEMU has exited: libvirt sends SIGTERM, waits up to
    /// 10 s, then SIGKILL. An emulated guest with a lot of memory, or a busy host, can take seconds
    /// there. The call therefore runs on a thread of its own, not on the connection's thread, so
    /// other callers (health, other tenants' lists) are not held meanwhile; the connection itself
    /// is thread-safe in libvirt. The domain handle holds a reference on the connection while it runs.
    public func destroy(named name: String) async throws(SandboxError) {
        let action = "destroy domain '\(name)'"
        let handle: DomainReference? = try withDomain(named: name, action) { domain throws(SandboxError) in
            let active = try LibvirtError.check(virDomainIsActive(domain), operation: "virDomainIsActive", action)
            guard active == 1 else { return nil }
            _ = virDomainRef(domain)
            return DomainReference(pointer: domain)
        }
        guard let handle else { return }
        let result: Result<Void, SandboxError> = await withCheckedContinuation { continuation in
            ExecutorThreadPool.shared.run {
                setCurrentThreadName("libvirt-destroy")
                let domain = handle.pointer
                defer { virDomainFree(domain) }
                continuation.resume(returning: Self.destroyOffThread(domain, action: action))
            }
        }
        try result.get()
        logger.debug("destroyed domain", metadata: ["domain": "\(name)"])
    }

    /// The blocking part of ``destroy(named:)``, on the thread that reads libvirt's (thread-local) error.
    private nonisolated static func destroyOffThread(_ domain: OpaquePointer, action: String) -> Result<
        Void, SandboxError
    > {
        guard virDomainDestroy(domain) < 0 else { return .success(()) }
        let error = LibvirtError.last(operation: "virDomainDestroy", action)
        // It stopped by itself in the meantime.
        if error.isLibvirtError(VIR_ERR_OPERATION_INVALID), virDomainIsActive(domain) == 0 {
            virResetLastError()
            return .success(())
        }
        virResetLastError()
        return .failure(error)
    }
}

/// A domain handle with a reference of its own, handed to another thread.
struct DomainReference: @unchecked Sendable {
    let pointer: OpaquePointer
}

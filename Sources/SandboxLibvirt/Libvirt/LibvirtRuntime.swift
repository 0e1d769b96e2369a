internal import CLibvirt
import Foundation
import SandboxValues

/// Process-wide libvirt setup, done once before the first connection is opened.
///
/// - `virInitialize()`;
/// - a silent global error handler, so libvirt never prints to stderr (errors are read with
///   `virGetLastError()` instead, see ``LibvirtError``);
/// - libvirt's default event loop implementation, registered before any connection exists and
///   driven by `virEventRunDefaultImpl()` forever on one dedicated thread. Domain events and the
///   keepalive of daemon connections need it. It is never stopped: libvirt offers no safe way to.
enum LibvirtRuntime {
    /// Name of the thread that runs libvirt's event loop.
    static let eventLoopThreadName = "libvirt-events"

    private static let setup: Result<Void, SandboxError> = {
        guard virInitialize() == 0 else {
            return .failure(LibvirtError.last(operation: "virInitialize", "initialise libvirt"))
        }
        virSetErrorFunc(nil, discardLibvirtError)
        guard virEventRegisterDefaultImpl() == 0 else {
            return .failure(
                LibvirtError.last(operation: "virEventRegisterDefaultImpl", "register libvirt's event loop"))
        }
        Thread { runLibvirtEventLoop() }.start()
        return .success(())
    }()

    /// Performs the one-time setup if nobody has yet; safe to call from any thread, cheap afterwards.
    static func ensureInitialized() throws(SandboxError) {
        try setup.get()
    }
}

/// The global error handler: drops the error. The failing call's caller reads it from
/// `virGetLastError()`.
private func discardLibvirtError(_ userData: UnsafeMutableRawPointer?, _ error: virErrorPtr?) {}

/// Body of the event-loop thread. Never returns.
private func runLibvirtEventLoop() {
    setCurrentThreadName(LibvirtRuntime.eventLoopThreadName)
    while true {
        if virEventRunDefaultImpl() < 0 {
            // Nothing to report to: drop the error and back off so a persistent failure cannot spin.
            virResetLastError()
            usleep(10_000)
        }
    }
}

import Foundation

/// One sandbox, to act on: its address, commands and files in it, why it has no address, its
/// console, and its end; what ``SandboxManager`` offers by name, for one sandbox. Made by ``SandboxManager/handle(for:)`` (from a create's ``Sandbox``)
/// or ``SandboxManager/handle(named:)``.
///
/// The manager remembers what a wait for the address of a sandbox it made needs
/// (``DiscoveryTarget``), so address lookups ask the sources only, never the domain's XML.
/// Commands and files go straight to the guest agent (never through the manager's actor), so a
/// slow guest holds up no one else. A value; safe to share between tasks.
public struct SandboxHandle: Sendable {
    public let manager: SandboxManager
    public let name: SandboxName

    /// What a wait for the sandbox's address needs.
    public func discoveryTarget() async throws(SandboxError) -> DiscoveryTarget {
        try await manager.discoveryTarget(of: name, askingBase: true)
    }

    /// The best address now, or nil when no source knows one yet. Does not wait.
    public func ipAddress() async throws(SandboxError) -> DiscoveredAddress? {
        try await manager.ipAddress(of: name)
    }

    /// Waits for the address (see ``SandboxManager/waitForIP(of:timeout:observer:)``).
    public func waitForIP(timeout: Duration? = nil, observer: (@Sendable (IPWaitProgress) -> Void)? = nil)
        async throws(SandboxError) -> DiscoveredAddress
    {
        try await manager.waitForIP(of: try await discoveryTarget(), timeout: timeout, observer: observer)
    }

    /// Runs `path` with `arguments` in the guest (see ``SandboxManager/exec(in:_:_:options:)``).
    public func exec(_ path: String, _ arguments: [String] = [], options: GuestAgentClient.ExecOptions = .init())
        async throws(SandboxError) -> GuestAgentClient.ExecResult
    {
        try await manager.exec(in: name, path, arguments, options: options)
    }

    /// Runs `command` with `/bin/sh -c` in the guest.
    public func run(_ command: String, options: GuestAgentClient.ExecOptions = .init()) async throws(SandboxError)
        -> GuestAgentClient.ExecResult
    {
        try await manager.run(in: name, command, options: options)
    }

    /// Reads a guest file; nil when it does not exist.
    public func readFile(_ path: String, maxBytes: Int = 16 << 20) async throws(SandboxError) -> Data? {
        try await manager.readFile(path, in: name, maxBytes: maxBytes)
    }

    /// Writes a guest file.
    public func writeFile(_ path: String, contents: Data, mode: Int? = nil) async throws(SandboxError) {
        try await manager.writeFile(path, in: name, contents: contents, mode: mode)
    }

    /// Why the sandbox has (or has no) address (see ``SandboxManager/diagnose(_:)``).
    public func diagnose() async throws(SandboxError) -> Diagnosis { try await manager.diagnose(name) }

    /// The end of the serial console log (see ``SandboxManager/consoleLog(of:maxBytes:after:)``).
    public func consoleLog(maxBytes: Int = 1 << 20, after: UInt64 = 0) async throws(SandboxError)
        -> SandboxManager.ConsoleLog
    {
        try await manager.consoleLog(of: name, maxBytes: maxBytes, after: after)
    }

    /// Destroys the sandbox and everything it had (see ``SandboxManager/destroy(_:)``).
    public func destroy() async throws(SandboxError) { try await manager.destroy(name) }
}

extension SandboxManager {
    /// A handle for a sandbox this manager made.
    public nonisolated func handle(for sandbox: Sandbox) -> SandboxHandle { handle(named: sandbox.name) }

    /// A handle for the sandbox `name` (of this manager or not; its facts are read when needed).
    public nonisolated func handle(named name: SandboxName) -> SandboxHandle {
        SandboxHandle(manager: self, name: name)
    }
}

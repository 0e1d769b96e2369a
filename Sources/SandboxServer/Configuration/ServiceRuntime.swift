import Logging
import SandboxCore
import SandboxSSH

/// What `sandbox-server` and `sandbox-mcp` open before they serve, from one
/// ``ServerConfiguration``: the libvirt connection, the manager (with the NIC filter checked once,
/// here: without it a guest can spoof its neighbours' addresses, so a missing one is fatal unless
/// `SANDBOX_ALLOW_MISSING_FILTER` says otherwise) and the command history under the state folder.
public struct ServiceRuntime: Sendable {
    public let connection: LibvirtConnection
    public let manager: SandboxManager
    public let history: CommandHistory
    /// The key the service signs in to its sandboxes with over SSH
    /// (`STATE_DIRECTORY/ssh/id_ed25519`, made on the first start).
    public let sshIdentity: SSHIdentity?

    /// Why the runtime could not open, and the exit code the executables use for it: 2 for an
    /// invalid configuration (a missing network filter included), 1 when libvirt or the state
    /// folder cannot be used.
    public struct StartupError: Error, Sendable {
        public var message: String
        public var exitCode: Int32
    }

    /// Opens the connection, checks the filter, builds the manager and opens the history. On an
    /// error nothing stays open.
    public static func open(
        _ configuration: ServerConfiguration, logger: Logger, metrics: SandboxMetrics = SandboxMetrics()
    ) async throws(StartupError) -> ServiceRuntime {
        let connection: LibvirtConnection
        do {
            connection = try await LibvirtConnection(uri: configuration.libvirtURI, logger: logger)
        } catch {
            throw StartupError(message: "cannot connect to \(configuration.libvirtURI): \(error)", exitCode: 1)
        }
        let filter: NetworkFilterPolicy
        do {
            let resolved = try await configuration.isolation.resolveFilter { name throws(SandboxError) in
                try await connection.networkFilterExists(named: name)
            }
            filter = resolved.policy
            if let warning = resolved.warning { logger.warning("\(warning)") }
        } catch {
            await connection.close()
            if error.code == .invalidArgument { throw StartupError(message: error.message, exitCode: 2) }
            throw StartupError(
                message: "cannot look up the network filter on \(configuration.libvirtURI): \(error)", exitCode: 1)
        }
        let manager = SandboxManager(
            domains: connection, configuration: configuration.managerConfiguration(filter: filter), logger: logger,
            metrics: metrics)
        let history: CommandHistory
        do {
            history = try CommandHistory(folder: configuration.stateDirectory)
        } catch {
            await connection.close()
            throw StartupError(message: error.message, exitCode: 1)
        }
        var sshIdentity: SSHIdentity?
        do {
            if configuration.sshAccess {
                sshIdentity = try SSHIdentity.loadOrCreate(
                    at: configuration.stateDirectory + "/ssh/id_ed25519", comment: "sandbox-server")
            }
        } catch {
            await connection.close()
            throw StartupError(message: error.message, exitCode: 1)
        }
        return ServiceRuntime(connection: connection, manager: manager, history: history, sshIdentity: sshIdentity)
    }
}

// sandbox-mcp: the sandbox tools as an MCP server on stdio (see README.md beside this file).
//
// Reads the same environment as sandbox-server (LIBVIRT_URI, SANDBOX_JOBS_DIR, SANDBOX_STATE_DIR,
// SANDBOX_NETWORK, SANDBOX_OWNER, SANDBOX_API_KEYS_FILE, the policy's SANDBOX_… limits and the
// isolation settings), so its sandboxes follow the same rules. With a keys file, SANDBOX_API_KEY
// names the tenant it acts for; without one it acts as the local operator. Logs go to stderr
// (stdout carries the protocol). Runs until the client closes stdin.
//
// Exit codes: 0 when the client closed the session, 2 for an invalid configuration (a missing or
// unknown SANDBOX_API_KEY included), 1 when libvirt cannot be reached or the server fails.

import Foundation
import Logging
import MCP
import SandboxCore
import SandboxMCP
import SandboxServer

func fail(_ message: String, exitCode: Int32) -> Never {
    FileHandle.standardError.write(Data("sandbox-mcp: \(message)\n".utf8))
    exit(exitCode)
}

let environment = ProcessInfo.processInfo.environment
let configuration: ServerConfiguration
let tenant: Tenant
do {
    configuration = try ServerConfiguration(environment: environment)
    if let path = configuration.apiKeysFile {
        let keys = try APIKeys(contentsOf: path)
        guard let key = environment["SANDBOX_API_KEY"], !key.isEmpty else {
            fail("invalid configuration: with SANDBOX_API_KEYS_FILE, SANDBOX_API_KEY must name the tenant", exitCode: 2)
        }
        guard let match = keys.tenant(forKey: key) else {
            fail("invalid configuration: SANDBOX_API_KEY is not a key of SANDBOX_API_KEYS_FILE", exitCode: 2)
        }
        tenant = match
    } else {
        tenant = .localOperator
    }
} catch {
    fail("invalid configuration: \(error.message)", exitCode: 2)
}

LoggingSystem.bootstrap(StreamLogHandler.standardError)
var logger = Logger(label: "sandbox-mcp")
logger.logLevel = environment["LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0.lowercased()) } ?? .info

let runtime: ServiceRuntime
do {
    runtime = try await ServiceRuntime.open(configuration, logger: logger)
} catch {
    fail(error.message, exitCode: error.exitCode)
}
let service = SandboxService(
    manager: runtime.manager, network: configuration.network, policy: configuration.policy, history: runtime.history,
    sshIdentity: runtime.sshIdentity)
let server = await SandboxMCPServer.make(SandboxToolbox(service: service, tenant: tenant, logger: logger))
logger.info(
    "serving MCP on stdio",
    metadata: ["tenant": "\(tenant.name)", "libvirt": "\(configuration.libvirtURI)", "owner": "\(configuration.owner)"])
do {
    try await server.start(transport: StdioTransport(logger: logger))
    await server.waitUntilCompleted()
} catch {
    logger.error("server failed", metadata: ["error": "\(error)"])
    await runtime.connection.close()
    exit(1)
}
await runtime.connection.close()

// sandbox-server: the sandbox HTTP service (see README.md beside this file).
//
// Reads its configuration from the environment (LIBVIRT_URI, SANDBOX_LISTEN, SANDBOX_JOBS_DIR,
// SANDBOX_STATE_DIR, SANDBOX_NETWORK, SANDBOX_OWNER, SANDBOX_JANITOR_INTERVAL, SANDBOX_API_KEYS_FILE,
// IP_DISCOVERY_TIMEOUT, LOG_LEVEL, the policy's SANDBOX_BASES, SANDBOX_NETWORKS, SANDBOX_MAX_… and
// SANDBOX_ALLOW_…, and the isolation's SANDBOX_NETWORK_FILTER, SANDBOX_ISOLATE, SANDBOX_CPU_…,
// SANDBOX_DISK_…, SANDBOX_NET_KBPS: see README.md),
// bootstraps logging and Prometheus metrics, opens the libvirt connection and serves until SIGTERM
// or SIGINT, then finishes in-flight requests and the janitor's sweep.
//
// Exit codes: 0 after a graceful shutdown, 2 for an invalid configuration (a missing network filter
// included), 1 when libvirt cannot be reached or the server fails.

import Foundation
import Logging
import Metrics
import Prometheus
import SandboxCore
import SandboxMCP
import SandboxServer
import ServiceLifecycle

#if canImport(Glibc)
    import Glibc
#endif

func fail(_ message: String, exitCode: Int32) -> Never {
    FileHandle.standardError.write(Data("sandbox-server: \(message)\n".utf8))
    exit(exitCode)
}

let environment = ProcessInfo.processInfo.environment
let configuration: ServerConfiguration
do {
    configuration = try ServerConfiguration(environment: environment)
} catch {
    fail("invalid configuration: \(error.message)", exitCode: 2)
}

let keys: APIKeys?
do {
    keys = try configuration.apiKeysFile.map { path throws(SandboxError) in try APIKeys(contentsOf: path) }
    try configuration.validateExposure(keys: keys)
} catch {
    fail("invalid configuration: \(error.message)", exitCode: 2)
}

LoggingSystem.bootstrap(StreamLogHandler.standardError)
var logger = Logger(label: "sandbox-server")
logger.logLevel = environment["LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0.lowercased()) } ?? .info

// One registry for the library's metrics (SandboxMetrics) and the server's (ServerMetrics); their
// names are disjoint, as the registry traps on one name used with and without labels.
let registry = PrometheusCollectorRegistry()
let metricsFactory = PrometheusMetricsFactory(registry: registry)
MetricsSystem.bootstrap(metricsFactory)

let runtime: ServiceRuntime
do {
    runtime = try await ServiceRuntime.open(
        configuration, logger: logger, metrics: SandboxMetrics(factory: metricsFactory))
} catch {
    fail(error.message, exitCode: error.exitCode)
}
let (connection, manager, history) = (runtime.connection, runtime.manager, runtime.history)

let app = SandboxServerApp.application(
    manager: manager, host: configuration.host, port: configuration.port, network: configuration.network,
    janitorInterval: configuration.janitorInterval, diskCapBytes: configuration.isolation.maxDiskBytes,
    metrics: ServerMetrics(factory: metricsFactory),
    metricsText: { registry.emitToString() }, keys: keys, policy: configuration.policy, history: history,
    sshIdentity: runtime.sshIdentity,
    extensions: [MCPRoutes.extension(loopbackOnly: keys == nil, logger: logger)], logger: logger)

if let keys {
    logger.info("API keys loaded", metadata: ["tenants": "\(keys.tenants.count)"])
} else {
    logger.warning(
        "no \(ServerConfiguration.Variable.apiKeysFile): listening on loopback only, every local process acts as admin")
}

logger.info(
    "starting",
    metadata: [
        "listen": "\(configuration.host):\(configuration.port)", "libvirt": "\(configuration.libvirtURI)",
        "jobs": "\(configuration.jobsRoot)", "owner": "\(configuration.owner)",
        "ipTimeout": "\(configuration.discoveryTimeout.baseOrigin)",
    ])

let group = ServiceGroup(
    configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
do {
    try await group.run()
} catch {
    logger.error("server failed", metadata: ["error": "\(error)"])
    await connection.close()
    exit(1)
}
await connection.close()

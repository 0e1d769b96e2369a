import HTTPTypes
import Hummingbird
import Logging
import SandboxCore
import SandboxSSH
import ServiceLifecycle

/// Builds the sandbox HTTP service: the routes over a ``SandboxCore/SandboxManager``, JSON
/// errors, request metrics, and the TTL janitor as a service of the application.
///
/// The executable `sandbox-server` opens the libvirt connection, bootstraps logging and metrics and
/// runs the result in a `ServiceGroup` that shuts down gracefully on SIGTERM and SIGINT; tests run
/// the same application in-process with HummingbirdTesting.
///
/// There is no per-request deadline: a request lasts as long as its handler, so an IP wait (bounded
/// by its own timeout) is never cut short by the server. Hummingbird's idle timeout, when set, only
/// closes connections between requests.
public enum SandboxServerApp {
    public typealias Context = SandboxRequestContext
    /// Adds routes over the service every route shares, behind the same middleware (authentication
    /// included): how `sandbox-server` mounts the MCP endpoint of `SandboxMCP`.
    public typealias RouteExtension = @Sendable (Router<Context>, SandboxService) -> Void

    /// The router with every route and middleware.
    /// - Parameters:
    ///   - network: the libvirt network every sandbox joins; nil keeps the base VM's.
    ///   - metricsText: renders `/metrics`; nil leaves the route out.
    ///   - keys: the API keys; nil lets every request act as ``Tenant/localOperator`` (for a server
    ///     that listens on loopback only).
    ///   - policy: what a request may ask for; the defaults are safe (see ``ServerPolicy``).
    ///   - history: where `…/run` records commands; nil keeps them in memory.
    ///   - extensions: more routes over the same service (see ``RouteExtension``).
    public static func router(
        manager: SandboxManager, network: String? = nil, metrics: ServerMetrics = ServerMetrics(),
        metricsText: (@Sendable () -> String)? = nil, keys: APIKeys? = nil, policy: ServerPolicy = ServerPolicy(),
        history: CommandHistory? = nil, sshIdentity: SSHIdentity? = nil, extensions: [RouteExtension] = []
    ) -> Router<Context> {
        let router = Router(context: Context.self)
        router.add(middleware: RequestMetricsMiddleware(metrics: metrics))
        router.add(middleware: ErrorMiddleware())
        router.add(middleware: BodyLimitMiddleware<Context>(maxBytes: policy.maxRequestBodyBytes))
        router.add(middleware: AuthMiddleware(keys: keys))
        SystemRoutes(manager: manager, metricsText: metricsText).register(on: router)
        DocsRoutes().register(on: router)
        let service = SandboxService(
            manager: manager, network: network, policy: policy, history: history ?? .inMemory(), metrics: metrics,
            sshIdentity: sshIdentity)
        VMRoutes(service: service).register(on: router)
        SandboxRoutes(service: service).register(on: router)
        for extraRoutes in extensions { extraRoutes(router, service) }
        addMethodNotAllowed(to: router)
        return router
    }

    /// The application: ``router(manager:network:metrics:metricsText:)`` served on
    /// `host:port`, with a ``TTLJanitor`` checking every `janitorInterval` (nil: no janitor) and
    /// stopping sandboxes whose overlay takes more than `diskCapBytes` (nil: no cap).
    public static func application(
        manager: SandboxManager, host: String = "127.0.0.1", port: Int = 8080, network: String? = nil,
        janitorInterval: Duration? = ServerConfiguration.defaultJanitorInterval, diskCapBytes: UInt64? = nil,
        metrics: ServerMetrics = ServerMetrics(), metricsText: (@Sendable () -> String)? = nil,
        keys: APIKeys? = nil, policy: ServerPolicy = ServerPolicy(), history: CommandHistory? = nil,
        sshIdentity: SSHIdentity? = nil, extensions: [RouteExtension] = [],
        logger: Logger = Logger(label: "sandbox-server", factory: { _ in SwiftLogNoOpLogHandler() })
    ) -> some ApplicationProtocol {
        let history = history ?? .inMemory()
        var services: [any Service] = []
        if let janitorInterval {
            services.append(
                TTLJanitor(
                    manager: manager, interval: janitorInterval, metrics: metrics, logger: logger,
                    diskCapBytes: diskCapBytes, history: history))
        }
        return Application(
            router: router(
                manager: manager, network: network, metrics: metrics, metricsText: metricsText, keys: keys,
                policy: policy, history: history, sshIdentity: sshIdentity, extensions: extensions),
            server: .http1(configuration: .init(idleTimeout: .milliseconds(milliseconds(policy.idleTimeout)))),
            configuration: .init(address: .hostname(host, port: port), serverName: "sandbox-server"),
            services: services, logger: logger)
    }

    /// A known path asked with a method it does not take answers 405 with `Allow` (Hummingbird
    /// alone answers 404, as for an unknown path).
    static func addMethodNotAllowed(to router: Router<Context>) {
        var methods: [String: (path: RouterPath, methods: Set<HTTPRequest.Method>)] = [:]
        for route in router.routes {
            methods[route.path.description, default: (route.path, [])].methods.insert(route.method)
        }
        let candidates: [HTTPRequest.Method] = [.get, .post, .put, .delete, .patch]
        for (path, taken) in methods.values {
            let allow = candidates.filter(taken.contains).map(\.rawValue).joined(separator: ", ")
            for method in candidates where !taken.contains(method) {
                router.on(path, method: method) { _, _ -> Response in
                    var error = APIError(
                        status: .methodNotAllowed, code: .invalidArgument,
                        message: "\(method.rawValue) is not a method of this route; it takes \(allow)")
                    error.headers[.allow] = allow
                    throw error
                }
            }
        }
    }

    /// `duration` in whole milliseconds, saturating (the policy bounds it to a day).
    static func milliseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let (millis, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        return overflow ? .max : millis &+ attoseconds / 1_000_000_000_000_000
    }
}

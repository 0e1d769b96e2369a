import Foundation
import HTTPTypes
import Hummingbird
import Logging
import MCP
import SandboxServer

/// `POST /mcp`: the MCP Streamable HTTP endpoint (stateless: one JSON answer per JSON-RPC request,
/// no sessions, `GET` and `DELETE` answer 405) behind `sandbox-server`'s middleware, so it takes
/// the same API keys (`Authorization: Bearer KEY`), body limit and tenants as `/v1`.
///
/// Each request gets an MCP server of its own, bound to the request's tenant: no state survives a
/// request, and a tool can only ever act for the key that called it.
public struct MCPRoutes: Sendable {
    public static let path = "mcp"

    let service: SandboxService
    /// Whether the server listens on loopback only: then requests must name a loopback `Host`
    /// (and `Origin`, when a browser sends one), which stops DNS rebinding. A server with API keys
    /// listening elsewhere relies on the key, which a browser page cannot attach cross-origin.
    let loopbackOnly: Bool
    let logger: Logger

    /// The route extension for ``SandboxServer/SandboxServerApp``'s router.
    public static func `extension`(loopbackOnly: Bool, logger: Logger) -> SandboxServerApp.RouteExtension {
        { router, service in
            MCPRoutes(service: service, loopbackOnly: loopbackOnly, logger: logger).register(on: router)
        }
    }

    func register(on router: Router<SandboxRequestContext>) {
        for method in [HTTPRequest.Method.post, .get, .delete] {
            router.on(RouterPath(Self.path), method: method) { request, context in
                try await handle(request, context: context)
            }
        }
    }

    func handle(_ request: Request, context: SandboxRequestContext) async throws -> Response {
        guard let tenant = context.tenant else {
            throw APIError(status: .unauthorized, code: .unauthenticated, message: "this route needs an API key")
        }
        var request = request
        let body = try await request.collectBody(upTo: service.policy.maxRequestBodyBytes)
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        if let authority = request.head.authority { headers[HTTPHeaderName.host] = authority }
        let mcpRequest = MCP.HTTPRequest(
            method: request.method.rawValue, headers: headers,
            body: body.readableBytes == 0 ? nil : Data(body.readableBytesView), path: request.uri.path)

        let transport = StatelessHTTPServerTransport(
            validationPipeline: StandardValidationPipeline(validators: [
                loopbackOnly ? OriginValidator.localhost() : OriginValidator.disabled,
                AcceptHeaderValidator(mode: .jsonOnly),
                ContentTypeValidator(),
                ProtocolVersionValidator(),
            ]))
        let server = await SandboxMCPServer.make(SandboxToolbox(service: service, tenant: tenant, logger: logger))
        try await server.start(transport: transport)
        let answer = await transport.handleRequest(mcpRequest)
        await server.stop()
        return Self.response(answer)
    }

    static func response(_ answer: MCP.HTTPResponse) -> Response {
        var fields = HTTPFields()
        for (name, value) in answer.headers {
            if let name = HTTPField.Name(name) { fields[name] = value }
        }
        let status = HTTPResponse.Status(code: answer.statusCode)
        guard let data = answer.bodyData else { return Response(status: status, headers: fields) }
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

import Foundation
import Hummingbird
import SandboxCore

extension SandboxRoutes {
    /// `GET /v1/sandboxes/{id}/files?path=/abs[&timeout_sec=N]`: reads a file of the guest through
    /// its agent (waiting for a booting guest's agent within `timeout_sec`, default 60). 404 when
    /// the guest cannot open it, 413 above ``SandboxService/maxFileBytes``.
    func readFile(_ summary: SandboxSummary, _ request: Request) async throws -> Response {
        try await metrics.counting("read_file") {
            let query = request.uri.queryParameters
            guard let path = query["path"].map(String.init) else {
                throw APIError.badRequest("the query needs 'path' (an absolute path in the guest)")
            }
            let timeout = try Self.agentTimeout(query["timeout_sec"].map(String.init))
            let data = try await service.readFile(path, in: summary, timeout: timeout)
            return try JSONResponse.make(
                FileContentResponse(path: path, size: data.count, contentBase64: data.base64EncodedString()))
        }
    }

    /// `PUT /v1/sandboxes/{id}/files` with a ``WriteFileRequest``: creates or replaces the file.
    /// The body limit (`SANDBOX_MAX_BODY_BYTES`, 1 MiB by default) bounds what one request writes.
    func writeFile(_ summary: SandboxSummary, _ request: Request) async throws -> Response {
        try await metrics.counting("write_file") {
            let body = try await JSONResponse.decode(WriteFileRequest.self, from: request)
            let contents = try body.contents()
            let timeout = try Self.agentTimeout(body.timeoutSeconds.map(String.init))
            try await service.writeFile(body.path, contents: contents, mode: body.mode, in: summary, timeout: timeout)
            return try JSONResponse.make(FileWrittenResponse(path: body.path, size: contents.count))
        }
    }

    /// `timeout_sec` as a wait: 0…``RunCommandRequest/maxTimeoutSeconds``, default 60.
    static func agentTimeout(_ text: String?) throws(APIError) -> Duration {
        let seconds =
            try count(text, name: "timeout_sec", max: RunCommandRequest.maxTimeoutSeconds)
            ?? RunCommandRequest.defaultTimeoutSeconds
        return .seconds(seconds)
    }
}

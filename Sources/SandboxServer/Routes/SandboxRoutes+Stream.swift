import Foundation
import Hummingbird
import Logging
import SandboxCore

extension SandboxRoutes {
    /// `POST /v1/sandboxes/{id}/run/stream` with a ``RunCommandRequest``: the command's output as
    /// server-sent events while it runs (`text/event-stream`):
    ///
    ///     event: stdout            data: {"text": "…"}     (as often as output comes)
    ///     event: stderr            data: {"text": "…"}
    ///     event: exit              data: {"command": {…}}  (the record, as run answers it; last)
    ///     event: error             data: {"error", "code", "error_code", …}  (instead of exit)
    ///
    /// The response starts once the command has: bad input, an unknown sandbox, no agent, or an
    /// agent that does not connect within `timeout_sec` answer a plain JSON error as `run` does.
    /// Text is UTF-8; a character split between two chunks is sent whole with the later one. A
    /// client that goes away ends the command in the guest.
    func runStream(_ summary: SandboxSummary, _ request: Request, tenant: Tenant, logger: Logger) async throws
        -> Response
    {
        try await metrics.counting("run_stream") {
            let body = try await JSONResponse.decode(RunCommandRequest.self, from: request)
            let events = try await service.stream(body, in: summary, tenant: tenant)
            var headers = HTTPFields()
            headers[.contentType] = "text/event-stream"
            headers[.cacheControl] = "no-cache"
            return Response(
                status: .ok, headers: headers,
                body: ResponseBody { writer in
                    var stdout = UTF8Chunker()
                    var stderr = UTF8Chunker()
                    do {
                        for try await event in events {
                            switch event {
                            case .stdout(let data):
                                if let text = stdout.text(appending: data) {
                                    try await writer.write(Self.event("stdout", OutputChunk(text: text)))
                                }
                            case .stderr(let data):
                                if let text = stderr.text(appending: data) {
                                    try await writer.write(Self.event("stderr", OutputChunk(text: text)))
                                }
                            case .finished(let record):
                                for (name, rest) in [("stdout", stdout.rest()), ("stderr", stderr.rest())] {
                                    if let rest { try await writer.write(Self.event(name, OutputChunk(text: rest))) }
                                }
                                try await writer.write(Self.event("exit", RunCommandResponse(command: record)))
                            }
                        }
                    } catch let error as CancellationError {
                        throw error
                    } catch {
                        // The client is still there (a failed write ends up here too, and fails again).
                        let apiError = ErrorMiddleware.apiError(for: error, logger: logger)
                        try await writer.write(Self.event("error", apiError.body))
                    }
                    try await writer.finish(nil)
                })
        }
    }

    /// One server-sent event: `event: NAME` and the value as one line of JSON.
    static func event(_ name: String, _ value: some Encodable) -> ByteBuffer {
        let json = (try? JSONEncoder().encode(value)) ?? Data("{}".utf8)
        var buffer = ByteBuffer()
        buffer.writeString("event: \(name)\ndata: ")
        buffer.writeBytes(json)
        buffer.writeString("\n\n")
        return buffer
    }
}

/// `{"text": "…"}`: a chunk of a streamed command's output.
struct OutputChunk: Codable, Sendable, Hashable {
    var text: String
}

import Foundation
import Logging
import MCP
import SandboxCore
import SandboxServer

/// Runs the ``SandboxTool``s for one tenant over a ``SandboxServer/SandboxService``: the same
/// rules, limits, quotas and command history as the HTTP routes. A tool that fails answers a
/// result with `isError` and the API's error (code and message, no host paths), so the agent sees
/// why; an unknown tool is a JSON-RPC error.
public struct SandboxToolbox: Sendable {
    public let service: SandboxService
    public let tenant: Tenant
    let logger: Logger

    public init(
        service: SandboxService, tenant: Tenant,
        logger: Logger = Logger(label: "sandbox-mcp", factory: { _ in SwiftLogNoOpLogHandler() })
    ) {
        self.service = service
        self.tenant = tenant
        self.logger = logger
    }

    /// Sends a progress notification of the call being answered.
    public typealias ProgressReporter = @Sendable (ProgressNotification.Parameters) async -> Void

    /// Answers `tools/call`. When the call asks for progress (`_meta.progressToken`) and
    /// `progress` is given, `run_command` reports its output through it as the command writes it:
    /// each chunk a notification with `message` `stdout: …` or `stderr: …` and `progress` the bytes
    /// so far; the result still holds the whole output.
    public func call(_ parameters: CallTool.Parameters, progress: ProgressReporter? = nil) async throws
        -> CallTool.Result
    {
        guard let tool = SandboxTool(rawValue: parameters.name) else {
            throw MCPError.invalidParams("unknown tool '\(parameters.name.prefix(64))'")
        }
        let arguments = ToolArguments(parameters.arguments)
        do {
            let reporter = parameters._meta?.progressToken.flatMap { token in
                progress.map { report in ProgressChannel(token: token, report: report) }
            }
            return try Self.result(try await perform(tool, arguments, progress: reporter))
        } catch {
            let apiError = ErrorMiddleware.apiError(for: error, logger: logger)
            return CallTool.Result(
                content: [.text(text: "\(apiError.code.rawValue): \(apiError.message)", annotations: nil, _meta: nil)],
                structuredContent: try? Value(apiError.body), isError: true)
        }
    }

    private func perform(_ tool: SandboxTool, _ arguments: ToolArguments, progress: ProgressChannel?) async throws
        -> any Encodable & Sendable
    {
        switch tool {
        case .listBaseVMs:
            _ = try arguments.decode(NoArguments.self)
            return BaseVMsOutput(vms: try await service.baseVMs())
        case .createSandbox:
            // An agent wants a running sandbox it can use at once: started and with its address.
            let body = try arguments.decode(
                CreateSandboxRequest.self, defaults: ["agent_id": "mcp", "auto_start": true, "wait_for_ip": true])
            return SandboxResource(try await service.create(body, tenant: tenant))
        case .listSandboxes:
            _ = try arguments.decode(NoArguments.self)
            var resources: [SandboxResource] = []
            for summary in try await service.list(tenant: tenant) { resources.append(await service.resource(summary)) }
            return SandboxesOutput(sandboxes: resources)
        case .getSandbox:
            return try await service.detailed(try await find(arguments, only: true))
        case .runCommand:
            let summary = try await find(arguments)
            let body = try arguments.decode(RunCommandRequest.self, dropping: ["id"])
            guard let progress else { return try await service.run(body, in: summary, tenant: tenant) }
            return try await streamed(body, in: summary, progress: progress)
        case .readFile:
            let summary = try await find(arguments)
            let file = try arguments.decode(FileArguments.self, dropping: ["id"])
            guard file.content == nil, file.contentBase64 == nil, file.mode == nil else {
                throw ToolArguments.invalid("read_file takes 'id', 'path' and 'timeout_sec'")
            }
            let data = try await service.readFile(file.path, in: summary, timeout: try file.timeout())
            let text = String(bytes: data, encoding: .utf8)
            return FileReadOutput(
                path: file.path, size: data.count, content: text,
                contentBase64: text == nil ? data.base64EncodedString() : nil)
        case .writeFile:
            let summary = try await find(arguments)
            let file = try arguments.decode(FileArguments.self, dropping: ["id"])
            let contents = try file.contents()
            try await service.writeFile(
                file.path, contents: contents, mode: file.mode, in: summary, timeout: try file.timeout())
            return FileWrittenOutput(path: file.path, size: contents.count)
        case .destroySandbox:
            let summary = try await find(arguments, only: true)
            try await service.destroy(summary)
            return DestroyedOutput(
                id: SandboxResource.idPrefix + summary.name, sandboxName: summary.name,
                state: SandboxResource.State.destroyed.rawValue)
        }
    }

    /// Runs `body` with its output sent as progress while it runs: the record, with the whole
    /// output (as `run` answers it), not the history's head.
    private func streamed(_ body: RunCommandRequest, in summary: SandboxSummary, progress: ProgressChannel)
        async throws -> CommandRecord
    {
        var stdout = Data()
        var stderr = Data()
        var chunkers = (stdout: UTF8Chunker(), stderr: UTF8Chunker())
        for try await event in try await service.stream(body, in: summary, tenant: tenant) {
            switch event {
            case .stdout(let data):
                stdout.append(data)
                if let text = chunkers.stdout.text(appending: data) {
                    await progress.send("stdout: " + text, bytes: stdout.count + stderr.count)
                }
            case .stderr(let data):
                stderr.append(data)
                if let text = chunkers.stderr.text(appending: data) {
                    await progress.send("stderr: " + text, bytes: stdout.count + stderr.count)
                }
            case .finished(var record):
                record.stdout = String(decoding: stdout, as: UTF8.self)
                record.stderr = String(decoding: stderr, as: UTF8.self)
                return record
            }
        }
        throw APIError(status: .internalServerError, code: .internalError, message: "the command's stream ended early")
    }

    /// The sandbox named by the `id` argument, if the tenant may see it; with `only`, `id` must
    /// be the only argument.
    private func find(_ arguments: ToolArguments, only: Bool = false) async throws -> SandboxSummary {
        if only { _ = try arguments.decode(NoArguments.self, dropping: ["id"]) }
        return try await service.find(try arguments.string("id"), tenant: tenant)
    }

    /// `output` as structured content and as its JSON text (for clients that show text only).
    static func result(_ output: some Encodable) throws -> CallTool.Result {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(output)
        return try CallTool.Result(
            content: [.text(text: String(decoding: data, as: UTF8.self), annotations: nil, _meta: nil)],
            structuredContent: try JSONDecoder().decode(Value.self, from: data), isError: false)
    }
}

/// A tool that takes no arguments (besides `id`) refuses any.
private struct NoArguments: Decodable {
    init(from decoder: any Decoder) throws {
        try AnyCodingKey.rejectUnknownKeys(in: decoder, known: [])
    }
}

/// Where a call's progress goes: its token and the server's notifier.
struct ProgressChannel: Sendable {
    let token: ProgressToken
    let report: SandboxToolbox.ProgressReporter

    func send(_ message: String, bytes: Int) async {
        await report(.init(progressToken: token, progress: Double(bytes), message: message))
    }
}

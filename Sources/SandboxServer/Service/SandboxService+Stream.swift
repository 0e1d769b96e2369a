import Foundation
import SandboxCore

extension SandboxService {
    /// Runs `body` like ``run(_:in:tenant:)`` and hands each chunk of output to `onEvent` while the
    /// command runs (`.stdout`/`.stderr`, then one `.exit`). The record returned (and kept in the
    /// history) holds the first ``CommandHistory/maxStoredOutputBytes`` of each stream, with
    /// `metadata.truncated` set when more came; the events carry all of it.
    ///
    /// The output is bounded by the library's ``SandboxCore/GuestAgentClient/ExecOptions/maxOutputBytes``
    /// (the command is killed past it). A consumer that stops (a client gone) cancels the task,
    /// which kills the command in the guest.
    public func stream(
        _ body: RunCommandRequest, in summary: SandboxSummary, tenant: Tenant,
        onEvent: @Sendable (GuestAgentClient.ExecEvent) async throws -> Void
    ) async throws -> CommandRecord {
        let timeout = try body.validatedTimeout(max: policy.maxRunTimeoutSeconds)
        let environment = try body.validatedEnvironment()
        let user = try body.validatedUser()
        let name = try SandboxName(summary.name)
        let started = Date()
        let events = manager.stream(
            in: name, "/bin/sh", ["-c", RunCommandRequest.shellCommand(body.command, user: user)],
            options: .init(timeout: timeout, environment: environment))
        var kept = KeptOutput(limit: CommandHistory.maxStoredOutputBytes)
        var exit = GuestAgentClient.ExecResult(exitCode: nil)
        do {
            for try await event in events {
                switch event {
                case .stdout(let data): kept.stdout.append(data, keeping: kept.limit)
                case .stderr(let data): kept.stderr.append(data, keeping: kept.limit)
                case .exit(let result): exit = result
                }
                try await onEvent(event)
            }
        } catch let error as SandboxError {
            throw APIError(error)
        }
        let record = CommandRecord(
            id: CommandRecord.newID(), sandboxID: SandboxResource.idPrefix + summary.name, command: body.command,
            stdout: String(decoding: kept.stdout.bytes, as: UTF8.self),
            stderr: String(decoding: kept.stderr.bytes, as: UTF8.self), exitCode: exit.exitCode,
            startedAt: CommandRecord.timestamp(started), endedAt: CommandRecord.timestamp(Date()),
            envJSON: CommandRecord.envJSON(environment),
            metadata: .init(user: user ?? "root", truncated: kept.truncated ? true : nil), signal: exit.signal)
        try await history.append(record, sandboxUUID: summary.uuid, tenant: summary.tenant ?? tenant.name)
        return record
    }
}

/// The head of a command's two output streams, each kept up to `limit` bytes.
private struct KeptOutput {
    struct Head {
        var bytes = Data()
        var cut = false

        mutating func append(_ data: Data, keeping limit: Int) {
            let room = limit - bytes.count
            if data.count > room { cut = true }
            if room > 0 { bytes.append(data.prefix(room)) }
        }
    }

    let limit: Int
    var stdout = Head()
    var stderr = Head()
    var truncated: Bool { stdout.cut || stderr.cut }
}

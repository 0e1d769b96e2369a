import Foundation
import Hummingbird
import SandboxCore

extension SandboxRoutes {
    /// Runs `/bin/sh -c COMMAND` through the guest agent (as `user` when given), with `env`. A
    /// sandbox still booting is waited for (its agent not connected yet) within `timeout_sec`,
    /// which covers the wait and the command. A command that ran is 200 whatever its exit status,
    /// and goes into the sandbox's history.
    func run(_ summary: SandboxSummary, _ request: Request, tenant: Tenant) async throws -> Response {
        try await metrics.counting("run") {
            let body = try await JSONResponse.decode(RunCommandRequest.self, from: request)
            let record = try await service.run(body, in: summary, tenant: tenant)
            return try JSONResponse.make(RunCommandResponse(command: record))
        }
    }

    /// The sandbox's command history, oldest first, paged by `offset` and `limit`.
    func commands(_ summary: SandboxSummary, _ request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        let limit = try Self.count(query["limit"].map(String.init), name: "limit", max: Self.maxPageSize)
        let offset = try Self.count(query["offset"].map(String.init), name: "offset", max: Int(Int32.max)) ?? 0
        let page = try await history.commands(
            sandboxUUID: summary.uuid, tenant: nil, limit: limit ?? Self.maxPageSize, offset: offset)
        return try JSONResponse.make(CommandList(commands: page.commands, total: page.total))
    }
}

/// The optional body of `POST /v1/sandboxes/{id}/start`: `{"wait_for_ip": true}`.
struct StartSandboxRequest: Codable, Sendable, Hashable {
    var waitForIP: Bool?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case waitForIP = "wait_for_ip"
    }

    init(from decoder: any Decoder) throws {
        try AnyCodingKey.rejectUnknownKeys(in: decoder, known: Set(CodingKeys.allCases.map(\.rawValue)))
        let container = try decoder.container(keyedBy: CodingKeys.self)
        waitForIP = try container.decodeIfPresent(Bool.self, forKey: .waitForIP)
    }
}

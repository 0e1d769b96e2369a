import Foundation
import Hummingbird
import HummingbirdTesting
import SandboxCore
import SandboxCoreTesting
import SandboxServer
import Synchronization
import Testing

/// `GET` and `PUT /v1/sandboxes/{id}/files`: through the library's guest-agent file calls to an
/// in-memory guest file system, with the checks on paths, sizes, modes and base64.
@Suite struct FileRoutesTests {
    /// A running sandbox of `host` over `agent`, its `id`, then `body` with the client.
    static func withSandbox(
        _ host: ServerTestHost, _ agent: FileAgentDomains,
        _ body: @escaping @Sendable (any TestClientProtocol, String) async throws -> Void
    ) async throws {
        try await host.application(domains: agent).test(.router) { client in
            let created = try await client.send(
                .post, "/v1/sandboxes",
                json: #"{"agent_id": "t", "auto_start": true, "source_vm_name": "\#(host.base)"}"#
            ).sandbox()
            try await body(client, created.id)
        }
    }

    @Test func writeThenReadBack() async throws {
        try await ServerTestHost.with { host in
            let agent = FileAgentDomains(host.connection)
            try await Self.withSandbox(host, agent) { client, id in
                let contents = Data((0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
                let written = try await client.send(
                    .put, "/v1/sandboxes/\(id)/files",
                    json: #"{"path": "/tmp/a b", "content_base64": "\#(contents.base64EncodedString())", "mode": 384}"#)
                #expect(written.status == .ok, "\(written.text)")
                #expect(agent.file("/tmp/a b") == contents)
                #expect(agent.chmods == [["600", "--", "/tmp/a b"]])

                let read = try await client.send(.get, "/v1/sandboxes/\(id)/files?path=/tmp/a%20b")
                #expect(read.status == .ok, "\(read.text)")
                let object = try #require(
                    try JSONSerialization.jsonObject(with: Data(read.text.utf8)) as? [String: Any])
                #expect(object["path"] as? String == "/tmp/a b")
                #expect(object["size"] as? Int == contents.count)
                #expect((object["content_base64"] as? String).flatMap { Data(base64Encoded: $0) } == contents)
            }
        }
    }

    @Test func badRequestsNeverReachTheGuest() async throws {
        try await ServerTestHost.with { host in
            let agent = FileAgentDomains(host.connection)
            try await Self.withSandbox(host, agent) { client, id in
                let files = "/v1/sandboxes/\(id)/files"
                let missing = try await client.send(.get, "\(files)?path=/nope")
                #expect(missing.status == .notFound, "\(missing.text)")
                #expect(missing.apiError?.code == "not_found")
                let asked = agent.requests.count
                for uri in ["\(files)", "\(files)?path=relative", "\(files)?path=/x&timeout_sec=-1"] {
                    let reply = try await client.send(.get, uri)
                    #expect(reply.status == .badRequest, "\(uri): \(reply.text)")
                }
                let bodies = [
                    #"{"path": "etc/passwd", "content_base64": ""}"#,
                    #"{"path": "/x", "content_base64": "not base64!"}"#,
                    #"{"path": "/x", "content_base64": "", "mode": 4096}"#,
                    #"{"path": "/x\u0000y", "content_base64": ""}"#,
                    #"{"path": "/x", "content_base64": "", "owner": "root"}"#,
                    #"{"path": "/\#(String(repeating: "a", count: 4100))", "content_base64": ""}"#,
                ]
                for body in bodies {
                    let reply = try await client.send(.put, files, json: body)
                    #expect(reply.status == .badRequest, "\(body.prefix(60)): \(reply.text)")
                }
                #expect(agent.requests.count == asked, "a refused request reached the guest agent")
                let unknown = try await client.send(.get, "/v1/sandboxes/SBX-nope/files?path=/etc/hostname")
                #expect(unknown.status == .notFound)
            }
        }
    }

    @Test func aFileOverTheLimitIs413() async throws {
        try await ServerTestHost.with { host in
            let agent = FileAgentDomains(host.connection)
            agent.put("/big", Data(count: SandboxService.maxFileBytes + 1))
            try await Self.withSandbox(host, agent) { client, id in
                let reply = try await client.send(.get, "/v1/sandboxes/\(id)/files?path=/big")
                #expect(reply.status == .contentTooLarge, "\(reply.text)")
                #expect(reply.apiError?.code == "too_large")
            }
        }
    }
}

/// A `test:///default` connection whose guest agent keeps files in memory: `guest-file-open`
/// (`r` of a missing file is an agent error), `read`, `write`, `close`, `guest-ping`, and
/// `guest-exec` of `/bin/chmod` (recorded) that exits 0.
final class FileAgentDomains: ForwardingDomains, Sendable {
    struct State {
        var files: [String: Data] = [:]
        var handles: [Int: (path: String, position: Int)] = [:]
        var nextHandle = 1
        var requests: [String] = []
        var chmods: [[String]] = []
    }

    let inner: any DomainManager
    private let state = Mutex(State())

    init(_ inner: any DomainManager) { self.inner = inner }

    var requests: [String] { state.withLock { $0.requests } }
    var chmods: [[String]] { state.withLock { $0.chmods } }
    func file(_ path: String) -> Data? { state.withLock { $0.files[path] } }
    func put(_ path: String, _ data: Data) { state.withLock { $0.files[path] = data } }

    func agentCommand(named name: String, command: String, timeoutSeconds: Int) async throws(SandboxError) -> String {
        let object = (try? JSONSerialization.jsonObject(with: Data(command.utf8))) as? [String: Any] ?? [:]
        let execute = object["execute"] as? String ?? ""
        let arguments = object["arguments"] as? [String: Any] ?? [:]
        let value: Any? = state.withLock { state -> Any? in
            state.requests.append(execute)
            let handle = arguments["handle"] as? Int ?? -1
            switch execute {
            case "guest-ping": return [String: Any]()
            case "guest-file-open":
                let path = arguments["path"] as? String ?? ""
                if arguments["mode"] as? String == "w" {
                    state.files[path] = Data()
                } else if state.files[path] == nil {
                    return nil
                }
                state.nextHandle += 1
                state.handles[state.nextHandle] = (path, 0)
                return state.nextHandle
            case "guest-file-read":
                guard let open = state.handles[handle] else { return nil }
                let contents = state.files[open.path] ?? Data()
                let end = min(open.position + (arguments["count"] as? Int ?? 4096), contents.count)
                let bytes = contents.subdata(in: open.position..<end)
                state.handles[handle]?.position = end
                return ["count": bytes.count, "buf-b64": bytes.base64EncodedString(), "eof": end == contents.count]
            case "guest-file-write":
                guard let open = state.handles[handle] else { return nil }
                let bytes = Data(base64Encoded: arguments["buf-b64"] as? String ?? "") ?? Data()
                state.files[open.path, default: Data()].append(bytes)
                return ["count": bytes.count, "eof": false]
            case "guest-file-close":
                return state.handles.removeValue(forKey: handle) == nil ? nil : [String: Any]()
            case "guest-exec":
                let args = arguments["arg"] as? [String] ?? []
                state.chmods.append(args)
                // A streamed run (its script, then its output folder): the output it leaves.
                if args.count > 3, args[2] == "sandboxcore-exec" {
                    state.files[args[3] + "/out"] = Data("streamed \u{20AC}\n".utf8)
                    state.files[args[3] + "/err"] = Data("warned\n".utf8)
                }
                return ["pid": 7]
            case "guest-exec-status": return ["exited": true, "exitcode": 0]
            default: return nil
            }
        }
        guard let value else {
            throw SandboxError(
                .libvirt, "agent: \(execute) failed",
                underlying: .init(operation: "virDomainQemuAgentCommand", code: 1, domain: 10, message: "failed"))
        }
        let data = try? JSONSerialization.data(withJSONObject: ["return": value], options: [.fragmentsAllowed])
        return String(decoding: data ?? Data(), as: UTF8.self)
    }
}

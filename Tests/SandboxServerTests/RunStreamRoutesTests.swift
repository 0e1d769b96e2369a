import Foundation
import Hummingbird
import HummingbirdTesting
import SandboxCore
import SandboxServer
import Testing

@testable import SandboxServer

/// `POST /v1/sandboxes/{id}/run/stream` in-process over a scripted guest agent: output as
/// server-sent events, then the record (also in the history); errors before the command starts are
/// plain JSON errors; a character split between chunks is sent whole.
@Suite struct RunStreamRoutesTests {
    @Test func outputThenTheRecord() async throws {
        try await ServerTestHost.with { host in
            let agent = FileAgentDomains(host.connection)
            try await FileRoutesTests.withSandbox(host, agent) { client, id in
                let reply = try await client.send(
                    .post, "/v1/sandboxes/\(id)/run/stream", json: #"{"command": "make test", "env": {"CI": "1"}}"#)
                #expect(reply.status == .ok, "\(reply.text)")
                #expect(reply.headers[.contentType] == "text/event-stream")
                let events = HTTPReply.events(reply.text)
                #expect(events.map(\.0) == ["stdout", "stderr", "exit"], "\(reply.text)")
                #expect(events.first?.1["text"] as? String == "streamed €\n")
                let command = try #require(events.last?.1["command"] as? [String: Any], "\(reply.text)")
                #expect(command["exit_code"] as? Int == 0)
                #expect(command["stdout"] as? String == "streamed €\n")
                #expect(command["stderr"] as? String == "warned\n")
                #expect(agent.chmods.contains { $0.contains { $0.contains("make test") } }, "\(agent.chmods)")

                let history = try await client.send(.get, "/v1/sandboxes/\(id)/commands")
                #expect(history.text.contains("make test"), "\(history.text)")
            }
        }
    }

    @Test func errorsBeforeTheCommandStartsArePlainJSON() async throws {
        try await ServerTestHost.with { host in
            let agent = FileAgentDomains(host.connection)
            try await FileRoutesTests.withSandbox(host, agent) { client, id in
                for (json, status) in [
                    (#"{"command": ""}"#, HTTPResponse.Status.badRequest),
                    (#"{"command": "true", "timeout_sec": 999999}"#, .badRequest),
                    (#"{"command": "true", "user": "Root; rm"}"#, .badRequest),
                    (#"{"command": "true", "extra": 1}"#, .badRequest),
                ] {
                    let reply = try await client.send(.post, "/v1/sandboxes/\(id)/run/stream", json: json)
                    #expect(reply.status == status, "\(json): \(reply.text)")
                    #expect(reply.headers[.contentType]?.hasPrefix("application/json") == true, "\(json)")
                }
                let missing = try await client.send(
                    .post, "/v1/sandboxes/SBX-nope/run/stream", json: #"{"command": "true"}"#)
                #expect(missing.status == .notFound)
            }
            // test:///default has no guest agent: 409 at once, no stream.
            try await host.application().test(.router) { client in
                let created = try await client.send(
                    .post, "/v1/sandboxes",
                    json: #"{"agent_id": "t", "auto_start": true, "source_vm_name": "\#(host.base)"}"#
                ).sandbox()
                let reply = try await client.send(
                    .post, "/v1/sandboxes/\(created.id)/run/stream", json: #"{"command": "true"}"#)
                #expect(reply.status == .conflict, "\(reply.text)")
            }
        }
    }

    @Test func aCharacterSplitBetweenChunksIsSentWhole() {
        var chunker = UTF8Chunker()
        let euro = Array("€".utf8)  // E2 82 AC
        #expect(chunker.text(appending: Data([0x61] + euro.prefix(1))) == "a")
        #expect(chunker.text(appending: Data(euro[1...1])) == nil)
        #expect(chunker.text(appending: Data(euro[2...] + [0x62])) == "€b")
        #expect(chunker.text(appending: Data(Array("🙂".utf8).prefix(3))) == nil)
        #expect(chunker.rest() == "\u{FFFD}")
        #expect(chunker.rest() == nil)
        #expect(chunker.text(appending: Data([0xFF, 0x63])) == "\u{FFFD}c")
    }
}

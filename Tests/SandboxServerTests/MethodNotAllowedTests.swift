import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// A known path with a method it does not take: 405 with `Allow`, in the API's error body; an
/// unknown path stays 404.
@Suite struct MethodNotAllowedTests {
    @Test func knownPathsAnswer405WithAllow() async throws {
        try await ServerTestHost.with { host in
            try await host.application().test(.router) { client in
                for (method, path, allow) in [
                    (HTTPRequest.Method.delete, "/v1/sandboxes", "GET, POST"),
                    (.patch, "/v1/sandboxes/SBX-x", "GET, DELETE"),
                    (.get, "/v1/sandboxes/SBX-x/run", "POST"),
                    (.post, "/v1/sandboxes/SBX-x/files", "GET, PUT"),
                    (.put, "/v1/health", "GET"),
                ] {
                    let reply = try await client.send(method, path)
                    #expect(reply.status == .methodNotAllowed, "\(method) \(path): \(reply.text)")
                    #expect(reply.headers[.allow] == allow, "\(method) \(path)")
                    #expect(reply.text.contains(#""error_code":"invalid_argument""#), "\(reply.text)")
                }
                #expect(try await client.send(.get, "/v1/no-such-route").status == .notFound)
            }
        }
    }
}

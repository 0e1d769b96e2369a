import Foundation
import Hummingbird

/// `GET /v1/openapi.json` (the contract, ``OpenAPIDocument``) and `GET /docs` (a page listing its
/// operations). Both need no key: they describe the API, not anyone's sandboxes.
struct DocsRoutes: Sendable {
    /// The paths ``AuthMiddleware`` lets through without a key.
    static let publicPaths: Set<String> = ["/v1/health", "/v1/openapi.json", "/docs"]

    func register(on router: Router<SandboxRequestContext>) {
        router.get("v1/openapi.json") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
        router.get("docs") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: Self.page)))
        }
    }

    /// Every operation of the document: method, path, summary.
    static let page: String = {
        var rows = ""
        let document = (try? JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8))) as? [String: Any]
        let paths = document?["paths"] as? [String: [String: Any]] ?? [:]
        for path in paths.keys.sorted() {
            for method in ["get", "post", "delete"] {
                guard let operation = paths[path]?[method] as? [String: Any] else { continue }
                let summary = operation["summary"] as? String ?? ""
                rows +=
                    "<tr><td>\(method.uppercased())</td><td><code>\(escaped(path))</code></td>"
                    + "<td>\(escaped(summary))</td></tr>\n"
            }
        }
        return """
            <!doctype html><html><head><meta charset="utf-8"><title>sandbox-server API</title></head><body>
            <h1>sandbox-server /v1</h1><p>The contract: <a href="/v1/openapi.json">/v1/openapi.json</a> (OpenAPI 3).
            Every route but these three needs <code>Authorization: Bearer KEY</code> when the server has keys.</p>
            <table>\(rows)</table></body></html>
            """
    }()

    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}

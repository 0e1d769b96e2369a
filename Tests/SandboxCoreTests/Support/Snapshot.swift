import Foundation

@testable import SandboxCore

/// Everything a create could leave behind: the files under a folder and the connection's domains.
struct HostSnapshot: Equatable, CustomStringConvertible {
    var files: [String]
    var domains: [String]

    static func take(folder: String, connection: any DomainManager) async throws -> HostSnapshot {
        HostSnapshot(files: listFiles(under: folder), domains: try await connection.listDomains().map(\.name))
    }

    /// Every path under `folder`, relative and sorted (hidden files too).
    static func listFiles(under folder: String) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: folder) else { return [] }
        var paths: [String] = []
        while let path = enumerator.nextObject() as? String { paths.append(path) }
        return paths.sorted()
    }

    var description: String { "files \(files), domains \(domains)" }
}

import Foundation

@testable import SandboxCore

/// Everything a create could leave behind: the files under a folder and the domains.
///
/// The test driver's domains are shared by every suite of the process, so `domains` holds only
/// the sandboxes of the given manager's owner plus the given names that exist.
struct HostSnapshot: Equatable, CustomStringConvertible {
    var files: [String]
    var domains: [String]

    static func take(folder: String, manager: SandboxManager, names: [String] = []) async throws -> HostSnapshot {
        var domains = try await manager.list().map(\.name)
        for name in names where try await manager.domains.domain(named: name) != nil { domains.append(name) }
        return HostSnapshot(files: listFiles(under: folder), domains: domains.sorted())
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

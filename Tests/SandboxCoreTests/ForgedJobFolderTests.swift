import Foundation
import Testing

@testable import SandboxCore

/// A sandbox's metadata can be rewritten by anyone who reaches libvirt. Destroy (and so the
/// janitor) removes only `<jobsRoot>/<name>`, never a folder the metadata names elsewhere.
@Suite struct ForgedJobFolderTests {
    @Test(arguments: ["outside", "sibling", "parent"])
    func destroyNeverRemovesAFolderOutsideTheJobsRoot(_ kind: String) async throws {
        let host = try await TestHost.make()
        let base = try await host.makeBase()
        let manager = host.manager()
        let sandbox = try await manager.create(SandboxRequest(baseVM: base, autoStart: false))
        let victim: String =
            switch kind {
            case "outside": host.folder.file("precious")
            case "sibling": host.jobsRoot + "/../precious"
            default: host.jobsRoot
            }
        try FileManager.default.createDirectory(atPath: victim, withIntermediateDirectories: true)
        let keep = victim + "/keep.txt"
        _ = FileManager.default.createFile(atPath: keep, contents: Data("mine".utf8))

        let metadata = try #require(
            try await host.connection.metadata(named: sandbox.name.value, namespaceURI: SandboxMetadata.namespaceURI)
                .flatMap(SandboxMetadata.init(metadataXML:)))
        // libvirt's metadata API takes the element unprefixed; it adds the namespace itself.
        let element =
            "<sandbox><owner>\(metadata.owner)</owner><base>\(metadata.baseVM)</base>"
            + "<created>\(metadata.createdAt)</created><job>\(victim)</job></sandbox>"
        try await host.connection.setMetadata(
            named: sandbox.name.value, namespaceURI: SandboxMetadata.namespaceURI, prefix: "sandbox", xml: element)

        try await manager.destroy(sandbox.name)
        #expect(FileManager.default.fileExists(atPath: keep), "destroy removed \(victim)")
        #expect(try await host.connection.domain(named: sandbox.name.value) == nil)
        #expect(!host.jobsLeft().contains(sandbox.name.value), "its own job folder is still removed")
    }
}

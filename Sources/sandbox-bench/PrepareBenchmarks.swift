import Foundation
import SandboxCore

struct PrepareBenchmarks {
    let fixture: Fixture

    func run(inProcess: Int, forked: Int) async throws -> [BenchRow] {
        let connection = try await LibvirtConnection(uri: "test:///default")
        await connection.close()
        return []
    }
}

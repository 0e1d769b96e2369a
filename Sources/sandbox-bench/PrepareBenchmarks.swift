import SandboxCore

/// Host-side prepare of a sandbox (overlay + seed + define). Filled in with the lifecycle.
struct PrepareBenchmarks {
    let fixture: Fixture

    func run(inProcess: Int, forked: Int) async throws -> [(ours: Samples, baseline: Samples?)] {
        []
    }
}

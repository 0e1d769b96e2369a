import Testing

/// Gives every test case of a suite (or one test) an ``E2EWorkspace`` of its own as
/// ``E2EWorkspace/current``, and awaits its ``E2EWorkspace/tearDown()`` once the test case ends,
/// passed, failed or thrown.
///
/// ```swift
/// @Suite(.serialized, .e2eEnabled, .e2eWorkspace)
/// struct MineE2ETests { @Test func … }
/// ```
struct E2EWorkspaceTrait: SuiteTrait, TestTrait, TestScoping {
    var isRecursive: Bool { true }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let environment = try #require(E2EEnvironment.current, "no SANDBOX_E2E_URI: run e2e/run.sh")
        let workspace = try await E2EWorkspace(environment: environment)
        do {
            try await E2EWorkspace.$current.withValue(workspace) { try await function() }
        } catch {
            await workspace.tearDown()
            throw error
        }
        await workspace.tearDown()
    }
}

extension Trait where Self == E2EWorkspaceTrait {
    /// An ``E2EWorkspace`` per test case, torn down (awaited) when it ends.
    static var e2eWorkspace: Self { Self() }
}

extension Trait where Self == ConditionTrait {
    /// The end-to-end suites run under `e2e/run.sh` only (it sets `SANDBOX_E2E_URI`).
    static var e2eEnabled: Self {
        .enabled(if: E2EEnvironment.enabled, "end-to-end suite: run e2e/run.sh to enable it")
    }
}

/// The booted bases of this test process, one per flavour: the first test that asks for a flavour
/// boots it (``BaseFixture/bootBaseOnce()``, a few minutes of a 2-core host), every later test of
/// every suite clones the same one. A boot that fails is forgotten, so the next test tries again.
///
/// The bases stay defined until the process ends (a suite cannot know whether another one after it
/// needs them); `e2e/run.sh` then stops the daemon and deletes its state and the work folder.
actor SharedBases {
    static let shared = SharedBases()

    private var boots: [String: Task<BaseFixture, any Error>] = [:]

    /// The base of `flavour`, made with `boot` unless it is made already or being made.
    func base(_ flavour: String, boot: @escaping @Sendable () async throws -> BaseFixture) async throws -> BaseFixture {
        if let running = boots[flavour] { return try await running.value }
        let running = Task { try await boot() }
        boots[flavour] = running
        do {
            return try await running.value
        } catch {
            boots[flavour] = nil
            throw error
        }
    }
}

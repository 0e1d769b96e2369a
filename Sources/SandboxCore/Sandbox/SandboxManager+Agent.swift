import Foundation

extension SandboxManager {
    /// The guest agent of a sandbox: run commands, move files, read cloud-init's result.
    public func agent(for name: SandboxName) -> GuestAgentClient {
        GuestAgentClient(domains: domains, domain: name.value)
    }

    /// How far a sandbox has come: its ``Stage``, an address, the guest agent answering,
    /// cloud-init's result. A plain value; `Codable` (the stage as its raw value).
    public struct Readiness: Sendable, Hashable, Codable {
        /// The stages of a sandbox's boot, in order. Raw values are stable, for JSON and the CLI.
        public enum Stage: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
            /// The domain is not running (shut off, paused, crashed …).
            case notRunning = "not-running"
            /// Running, but its guest agent does not answer yet.
            case booting = "booting"
            /// The guest agent answers; cloud-init has not started (no `/run/cloud-init/status.json`).
            case agentUp = "agent-up"
            /// cloud-init has started and not finished (`status.json`, no `result.json` yet).
            case cloudInitRunning = "cloud-init-running"
            /// cloud-init finished without errors (`/run/cloud-init/result.json`).
            case cloudInitDone = "cloud-init-done"
            /// cloud-init finished and reported errors.
            case cloudInitError = "cloud-init-error"

            public var description: String { rawValue }

            /// Whether a sandbox at this stage is at or past `target`. Both ends of cloud-init
            /// (done and error) count as past everything before them and as reaching each other,
            /// so a wait for ``cloudInitDone`` also ends when cloud-init finished with errors.
            /// Nothing reaches ``notRunning`` but itself.
            public func hasReached(_ target: Stage) -> Bool {
                if target == .notRunning || self == .notRunning { return self == target }
                return rank >= target.rank
            }

            var rank: Int {
                switch self {
                case .notRunning: 0
                case .booting: 1
                case .agentUp: 2
                case .cloudInitRunning: 3
                case .cloudInitDone, .cloudInitError: 4
                }
            }
        }

        public var stage: Stage
        public var ipAddress: String?
        public var agentAnswers: Bool
        /// nil while cloud-init has not finished (or the agent does not answer).
        public var cloudInit: CloudInitResult?
        /// Address, agent and a successful cloud-init.
        public var isReady: Bool { ipAddress != nil && agentAnswers && cloudInit?.succeeded == true }

        public init(
            stage: Stage, ipAddress: String? = nil, agentAnswers: Bool = false, cloudInit: CloudInitResult? = nil
        ) {
            self.stage = stage
            self.ipAddress = ipAddress
            self.agentAnswers = agentAnswers
            self.cloudInit = cloudInit
        }
    }

    /// The sandbox's readiness now; does not wait. `.notFound` when there is no such domain.
    ///
    /// Reads the domain's state, the best address a discovery source knows (not waiting), then,
    /// when running, pings the guest agent (2 s at most) and reads cloud-init's
    /// `/run/cloud-init/result.json` and `status.json` through it. The first time it sees
    /// cloud-init finished for a sandbox it counts the result in `sandbox_cloud_init_total`.
    public func readiness(of name: SandboxName) async throws(SandboxError) -> Readiness {
        guard let summary = try await domains.domain(named: name.value) else {
            throw SandboxError(.notFound, "sandbox \(name) does not exist")
        }
        guard summary.state == .running || summary.state == .blocked else { return Readiness(stage: .notRunning) }
        let address = (try? await ipAddress(of: name))??.address
        let agent = agent(for: name)
        guard await agent.ping() else { return Readiness(stage: .booting, ipAddress: address) }
        if let result = (try? await agent.cloudInitResult()) ?? nil {
            if cloudInitCounted.insert(name.value).inserted { metrics.cloudInit(succeeded: result.succeeded) }
            return Readiness(
                stage: result.succeeded ? .cloudInitDone : .cloudInitError, ipAddress: address, agentAnswers: true,
                cloudInit: result)
        }
        let started = ((try? await agent.readFile("/run/cloud-init/status.json", maxBytes: 1 << 20)) ?? nil) != nil
        return Readiness(stage: started ? .cloudInitRunning : .agentUp, ipAddress: address, agentAnswers: true)
    }

    /// Waits until the sandbox reaches `stage` (see ``Readiness/Stage/hasReached(_:)``) and
    /// returns its readiness then, polling ``readiness(of:)`` every `interval`.
    ///
    /// A wait for ``Readiness/Stage/cloudInitDone`` also ends when cloud-init finished with
    /// errors: check the returned stage. Fails at once with `.notRunning` when the domain is not
    /// running (at the start or later), `.notFound` when it does not exist, `.invalidArgument` for
    /// a target of ``Readiness/Stage/notRunning``; `.timeout` (naming the stage it stayed at) when
    /// `timeout` passes; `.cancelled` when the task is cancelled.
    ///
    /// - Parameter observer: called on the waiting task with the first readiness and each one
    ///   whose stage differs from the previous.
    public func waitUntilReady(
        of name: SandboxName, until stage: Readiness.Stage = .cloudInitDone, timeout: Duration = .seconds(600),
        interval: Duration = .milliseconds(500), observer: (@Sendable (Readiness) -> Void)? = nil
    ) async throws(SandboxError) -> Readiness {
        guard stage != .notRunning else { throw .invalid("a sandbox cannot be waited for until it is not running") }
        guard timeout > .zero else { throw .invalid("the readiness timeout must be positive, not \(timeout)") }
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var last: Readiness.Stage?
        while true {
            let now = try await readiness(of: name)
            if now.stage != last { observer?(now) }
            last = now.stage
            if now.stage == .notRunning {
                throw SandboxError(.notRunning, "sandbox \(name) is not running, so it will not reach \(stage)")
            }
            if now.stage.hasReached(stage) { return now }
            guard clock.now < deadline else {
                throw SandboxError(
                    .timeout, "sandbox \(name) did not reach \(stage) within \(timeout); it is at \(now.stage)")
            }
            do {
                try await Task.sleep(for: min(interval, deadline - clock.now))
            } catch {
                throw SandboxError(.cancelled, "waiting for sandbox \(name) to reach \(stage) was cancelled")
            }
        }
    }
}

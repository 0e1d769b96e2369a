import Logging

/// Reports each stage a create reaches, once, to everyone who follows it: the debug log, the
/// caller's ``CreateProgress`` handler, the manager's stage observer (crash-safety tests stop a
/// process there) and the metrics (time to define, boot to address). One event, one place.
struct CreateReporter {
    let name: SandboxName
    let progress: (@Sendable (CreateProgress) -> Void)?
    let observer: (@Sendable (CreateStage, SandboxName) async -> Void)?
    let metrics: SandboxMetrics
    let logger: Logger
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant
    private var previous: ContinuousClock.Instant
    private var started: ContinuousClock.Instant?

    init(
        name: SandboxName, progress: (@Sendable (CreateProgress) -> Void)?,
        observer: (@Sendable (CreateStage, SandboxName) async -> Void)?, metrics: SandboxMetrics, logger: Logger
    ) {
        self.name = name
        self.progress = progress
        self.observer = observer
        self.metrics = metrics
        self.logger = logger
        start = clock.now
        previous = start
    }

    /// `stage` is done.
    mutating func reached(_ stage: CreateStage) async {
        let now = clock.now
        logger.debug(
            "stage done", metadata: ["sandbox": "\(name)", "stage": "\(stage)", "elapsed": "\(now - previous)"])
        previous = now
        switch stage {
        case .define: metrics.prepared(in: now - start)
        case .start: started = now
        case .ip: if let started { metrics.bootToIP(now - started) }
        default: break
        }
        progress?(.stage(stage, elapsed: now - start))
        await observer?(stage, name)
    }

    /// The wait's progress, as the create's.
    var waitObserver: (@Sendable (IPWaitProgress) -> Void)? {
        guard let progress else { return nil }
        return { @Sendable waiting in progress(.waiting(waiting)) }
    }
}

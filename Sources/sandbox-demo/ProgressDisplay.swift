import Foundation
import SandboxCore
import Synchronization

/// Shows a create's stages, with the time since it began, on stderr: one line per finished
/// stage, and while waiting for the address a status line rewritten in place (on a terminal) or
/// one line per lease or lifecycle event (elsewhere).
final class ProgressDisplay: Sendable {
    private struct State {
        var waitPolls = 0
        var lastEvent: String?
        var lastDraw: ContinuousClock.Instant?
        var statusShown = false
    }

    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant
    private let terminal: Bool
    private let toStandardOutput: Bool
    private let state = Mutex(State())

    /// Whether progress is shown without being asked: stderr is a terminal.
    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    /// - Parameters:
    ///   - terminal: rewrite a status line in place while waiting.
    ///   - toStandardOutput: print to stdout (in order with the caller's own `print`s) instead.
    init(terminal: Bool = ProgressDisplay.stderrIsTerminal, toStandardOutput: Bool = false) {
        self.start = clock.now
        self.terminal = terminal && !toStandardOutput
        self.toStandardOutput = toStandardOutput
    }

    /// ``show(_:)-(CreateProgress)`` as a create's progress handler.
    var createHandler: @Sendable (CreateProgress) -> Void { { [self] progress in show(progress) } }
    /// ``show(_:)-(IPWaitProgress)`` as a wait's observer.
    var waitHandler: @Sendable (IPWaitProgress) -> Void { { [self] progress in show(progress) } }

    func show(_ progress: CreateProgress) {
        switch progress {
        case .stage(let stage, _):
            line("\(stage)", at: clock.now - start)
        case .waiting(let waiting):
            show(waiting)
        }
    }

    func show(_ waiting: IPWaitProgress) {
        let elapsed = clock.now - start
        switch waiting {
        case .subscribed(let events):
            line(
                events
                    ? "waiting for an IP address (woken by events and leases)" : "waiting for an IP address (polling)",
                at: elapsed)
        case .event(let kind, _):
            state.withLock { $0.lastEvent = "\(kind)" }
            line("domain event: \(kind)", at: elapsed)
        case .leaseSeen:
            line("DHCP lease seen on the network", at: elapsed)
        case .polled(let attempt, _, let found):
            let text = state.withLock { state -> String? in
                state.waitPolls = attempt
                guard terminal, !found else { return nil }
                if let last = state.lastDraw, clock.now - last < .milliseconds(100) { return nil }
                state.lastDraw = clock.now
                state.statusShown = true
                return "waiting for an IP address: \(attempt) looks"
                    + (state.lastEvent.map { ", last event \($0)" } ?? "")
            }
            if let text { write("\r\u{1B}[2K" + Self.stamp(elapsed) + text) }
        }
    }

    /// Clears a status line so that what follows starts on a fresh line.
    func finish() {
        if state.withLock({ $0.statusShown }) { write("\r\u{1B}[2K") }
    }

    private func line(_ text: String, at elapsed: Duration) {
        let clear =
            terminal
            && state.withLock { state in
                defer { state.statusShown = false }
                return state.statusShown
            }
        write((clear ? "\r\u{1B}[2K" : "") + Self.stamp(elapsed) + text + "\n")
    }

    private func write(_ text: String) {
        if toStandardOutput { return print(text, terminator: "") }
        FileHandle.standardError.write(Data(text.utf8))
    }

    static func stamp(_ elapsed: Duration) -> String {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return String(format: "[%8.3fs] ", seconds)
    }
}

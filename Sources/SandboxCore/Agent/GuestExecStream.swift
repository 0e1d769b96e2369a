import Foundation

extension GuestAgentClient {
    /// Runs `path` with `arguments` in the guest and delivers its output while it runs: `.stdout`
    /// and `.stderr` chunks as they appear, then one `.exit` (see ``ExecEvent``).
    ///
    /// qemu-ga hands captured output over only when a process has ended, so this runs the
    /// command under `/bin/sh` with standard output and error redirected to two files in a
    /// private folder (`<temporaryDirectory>/.sandboxcore-exec-<uuid>`, made with mode 0700), and
    /// tails them with `guest-file-open`/`guest-file-seek`/`guest-file-read` at increasing
    /// offsets while polling `guest-exec-status` (20 ms, backing off to
    /// ``ExecOptions/maxPollInterval``, back to 20 ms whenever output arrives). After the exit
    /// the files are read to the end, so every byte is delivered, then closed and the folder
    /// removed, whatever the outcome. Within one poll stdout comes before stderr: the relative
    /// order of the two streams is only as fine as the polling.
    ///
    /// The stream ends by throwing a ``SandboxError``: `.timeout` (the command was killed as in
    /// ``exec(_:_:options:)``), `.tooLarge` when more than ``ExecOptions/maxOutputBytes`` arrive
    /// (the command is killed, so it cannot fill the guest's disk; the events already delivered
    /// stay delivered), `.agentUnavailable`, or `.cancelled`. Stopping the iteration (or
    /// cancelling its task) kills the command and cleans up. Events are buffered without bound
    /// between the agent and the consumer, which ``ExecOptions/maxOutputBytes`` caps.
    public func stream(_ path: String, _ arguments: [String] = [], options: ExecOptions = ExecOptions())
        -> AsyncThrowingStream<ExecEvent, any Error>
    {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: ExecEvent.self, throwing: (any Error).self)
        let task = Task {
            do throws(SandboxError) {
                try await streamed(path, arguments, options: options) { continuation.yield($0) }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// Runs `command` with `/bin/sh -c` and streams its output; see ``stream(_:_:options:)``.
    public func streamShell(_ command: String, options: ExecOptions = ExecOptions())
        -> AsyncThrowingStream<ExecEvent, any Error>
    {
        stream("/bin/sh", ["-c", command], options: options)
    }

    /// Like ``stream(_:_:options:)``, handing each event to `onEvent` as it comes (on the calling
    /// task) and returning the exit status; the result's output fields are empty.
    public func exec(
        _ path: String, _ arguments: [String] = [], options: ExecOptions = ExecOptions(),
        onEvent: (ExecEvent) -> Void
    ) async throws(SandboxError) -> ExecResult {
        var exit = ExecResult(exitCode: nil)
        try await streamed(path, arguments, options: options) { event in
            if case .exit(let result) = event { exit = result }
            onEvent(event)
        }
        return exit
    }

    /// Redirects into the private folder `$1`; starts its own session when `$2` is 1 and `setsid`
    /// is there. Exit status 125 with a message on the captured stderr when the folder cannot be made.
    package static let streamScript = #"""
        d=$1; g=$2; shift 2
        (umask 077 && mkdir -- "$d") || exit 125
        exec >"$d/out" 2>"$d/err"
        if [ "$g" = 1 ] && command -v setsid >/dev/null 2>&1; then exec setsid "$@"; fi
        exec "$@"
        """#

    /// One output file being tailed.
    struct OutputTail {
        var path: String
        var handle: Int?
        var offset = 0
        /// A read has reached the end, so the next one must seek (which clears stdio's EOF flag).
        var atEnd = false
    }

    /// The engine of ``stream(_:_:options:)``.
    func streamed(
        _ path: String, _ arguments: [String], options: ExecOptions, emit: (ExecEvent) -> Void
    ) async throws(SandboxError) {
        try options.validate()
        let folder = options.temporaryDirectory + "/.sandboxcore-exec-" + UUID().uuidString.lowercased()
        let pid = try await launch(
            "/bin/sh",
            ["-c", Self.streamScript, "sandboxcore-exec", folder, options.killProcessGroup ? "1" : "0", path]
                + arguments, options: options, capture: true)
        var tails = [OutputTail(path: folder + "/out"), OutputTail(path: folder + "/err")]
        var exited = false
        var failure: SandboxError?
        let clock = ContinuousClock()
        let deadline = clock.now + options.timeout
        var delay = Duration.milliseconds(20)
        var total = 0
        do throws(SandboxError) {
            while true {
                let status = try await exitStatus(of: pid)
                exited = (status["exited"] as? Bool) == true
                var arrived = false
                for index in tails.indices {
                    let data = try await readNew(&tails[index], limit: options.maxOutputBytes - total + 1)
                    guard !data.isEmpty else { continue }
                    total += data.count
                    guard total <= options.maxOutputBytes else {
                        throw SandboxError(
                            .tooLarge,
                            "\(path) in \(domain) wrote more than \(options.maxOutputBytes) bytes of output "
                                + "and was killed")
                    }
                    arrived = true
                    emit(index == 0 ? .stdout(data) : .stderr(data))
                }
                if exited {
                    if tails[0].handle == nil, tails[1].handle == nil {
                        let message = String(decoding: Self.base64(status["err-data"]), as: UTF8.self)
                        throw SandboxError(
                            .io,
                            "could not make the output folder \(folder) in \(domain): "
                                + message.trimmingCharacters(in: .whitespacesAndNewlines))
                    }
                    emit(.exit(ExecResult(exitCode: status["exitcode"] as? Int, signal: status["signal"] as? Int)))
                    break
                }
                guard clock.now < deadline else {
                    throw SandboxError(
                        .timeout,
                        "\(path) in \(domain) did not finish within \(options.timeout) and was killed "
                            + "(guest pid \(pid))")
                }
                delay = arrived ? .milliseconds(20) : min(delay * 2, options.maxPollInterval)
                try await pause(for: min(delay, deadline - clock.now), "streaming \(path) in \(domain)")
            }
        } catch {
            failure = error
        }
        if !exited { await kill(pid, group: options.killProcessGroup) }
        for tail in tails {
            if let handle = tail.handle { _ = try? await call("guest-file-close", arguments: ["handle": handle]) }
        }
        await removeFolder(folder)
        if let failure { throw failure }
    }

    /// What was appended to `tail`'s file since the last read, at most `limit` bytes; empty while
    /// the file does not exist yet.
    func readNew(_ tail: inout OutputTail, limit: Int) async throws(SandboxError) -> Data {
        if tail.handle == nil {
            do {
                tail.handle = try await call("guest-file-open", arguments: ["path": tail.path, "mode": "r"]) as? Int
            } catch  where error.code == .libvirt {
                return Data()  // not made yet: the shell has not got that far
            }
        }
        guard let handle = tail.handle else { return Data() }
        if tail.atEnd {
            _ = try await call("guest-file-seek", arguments: ["handle": handle, "offset": tail.offset, "whence": 0])
            tail.atEnd = false
        }
        var data = Data()
        while data.count < limit {
            let count = min(Self.fileChunkSize, limit - data.count)
            let chunk =
                try await call("guest-file-read", arguments: ["handle": handle, "count": count]) as? [String: Any]
            let bytes = Self.base64(chunk?["buf-b64"])
            data.append(bytes)
            tail.offset += bytes.count
            if bytes.isEmpty || (chunk?["eof"] as? Bool) == true {
                tail.atEnd = true
                break
            }
        }
        return data
    }

    /// Removes a private output folder (best effort, waiting for `rm` to end).
    func removeFolder(_ folder: String) async {
        guard
            let pid = try? await launch(
                "/bin/rm", ["-rf", "--", folder], options: ExecOptions(), capture: false)
        else { return }
        await reap(pid)
    }
}

import Foundation

extension GuestAgentClient {
    /// Runs `path` with `arguments` in the guest, waits for it to end and returns its exit status
    /// and output (qemu-ga's `guest-exec` with `capture-output`, then `guest-exec-status` polls,
    /// 20 ms backing off to ``ExecOptions/maxPollInterval``).
    ///
    /// - Timeout: when ``ExecOptions/timeout`` passes, the command is killed with `SIGKILL`
    ///   through a second `guest-exec` (`kill -9 -PGID; kill -9 PID`; qemu-ga cannot kill) and
    ///   the call throws `.timeout`. With ``ExecOptions/killProcessGroup`` (the default) the
    ///   command runs under `/bin/sh -c 'exec setsid "$@"'`, so its whole process group dies,
    ///   children included. Cancelling the task kills it the same way and throws `.cancelled`.
    /// - Output: the agent hands the output over only when the command has ended, in one reply.
    ///   qemu-ga keeps at most 16 MiB per stream and libvirt carries at most 4 MiB of reply over a
    ///   remote connection (about 3 MiB of output after base64), so for more, or to see output
    ///   while it runs, use ``stream(_:_:options:)``. More output than
    ///   ``ExecOptions/maxOutputBytes``, output the agent cut short, or a reply libvirt could not
    ///   carry is `.tooLarge`: no partial result is returned.
    /// - Errors: no agent, an agent not connected yet, or a stopped domain is `.agentUnavailable`
    ///   with a message saying which (``AgentAvailability``); a path the agent cannot execute is
    ///   `.libvirt` without ``ExecOptions/killProcessGroup``, exit status 127 with it (the shell's
    ///   or `setsid`'s message on stderr).
    public func exec(_ path: String, _ arguments: [String] = [], options: ExecOptions = ExecOptions())
        async throws(SandboxError) -> ExecResult
    {
        try options.validate()
        let (launchPath, launchArguments) =
            options.killProcessGroup
            ? ("/bin/sh", ["-c", Self.groupScript, "sandboxcore-exec", path] + arguments) : (path, arguments)
        let pid = try await launch(launchPath, launchArguments, options: options, capture: true)
        let clock = ContinuousClock()
        let deadline = clock.now + options.timeout
        var delay = Duration.milliseconds(20)
        while true {
            let status: [String: Any]
            do {
                status = try await exitStatus(of: pid)
            } catch {
                if error.libvirtFailure == .rpc {
                    throw SandboxError(
                        .tooLarge,
                        "the guest agent's reply with the output of \(path) in \(domain) did not fit in one "
                            + "libvirt message (4 MiB): the output is too large for exec; use stream",
                        underlying: error.underlying)
                }
                throw error
            }
            if (status["exited"] as? Bool) == true {
                return try result(of: status, path: path, limit: options.maxOutputBytes)
            }
            guard clock.now < deadline else {
                await kill(pid, group: options.killProcessGroup)
                throw SandboxError(
                    .timeout,
                    "\(path) in \(domain) did not finish within \(options.timeout) and was killed (guest pid \(pid))")
            }
            do {
                try await pause(for: min(delay, deadline - clock.now), "running \(path) in \(domain)")
            } catch {
                await kill(pid, group: options.killProcessGroup)
                throw error
            }
            delay = min(delay * 2, options.maxPollInterval)
        }
    }

    /// Runs `command` with `/bin/sh -c` in the guest; see ``exec(_:_:options:)``.
    public func run(_ command: String, options: ExecOptions = ExecOptions()) async throws(SandboxError) -> ExecResult {
        try await exec("/bin/sh", ["-c", command], options: options)
    }

    /// Runs `path` with a text standard input and `NAME=value` environment entries; see
    /// ``exec(_:_:options:)``.
    public func exec(
        _ path: String, _ arguments: [String] = [], stdin: String? = nil, environment: [String] = [],
        timeout: Duration
    ) async throws(SandboxError) -> ExecResult {
        var variables: [String: String] = [:]
        for entry in environment {
            let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            variables[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        let options = ExecOptions(timeout: timeout, stdin: stdin.map { Data($0.utf8) }, environment: variables)
        return try await exec(path, arguments, options: options)
    }

    // MARK: - Internals shared with streaming

    /// Starts a session of its own when `setsid` is there, so killing the group kills everything
    /// the command started; `exec` keeps the pid the agent reported.
    package static let groupScript = #"command -v setsid >/dev/null 2>&1 && exec setsid "$@"; exec "$@""#

    /// `guest-exec`: starts a process and returns its guest pid.
    func launch(_ path: String, _ arguments: [String], options: ExecOptions, capture: Bool)
        async throws(SandboxError) -> Int
    {
        var request: [String: any Sendable] = ["path": path, "arg": arguments, "capture-output": capture]
        if let environment = options.environmentList { request["env"] = environment }
        if let stdin = options.stdin { request["input-data"] = stdin.base64EncodedString() }
        guard let started = try await call("guest-exec", arguments: request) as? [String: Any],
            let pid = started["pid"] as? Int
        else { throw SandboxError(.agentUnavailable, "guest-exec of \(path) in \(domain) returned no pid") }
        return pid
    }

    /// `guest-exec-status` of `pid`. The agent forgets a process once it has reported its exit.
    func exitStatus(of pid: Int) async throws(SandboxError) -> [String: Any] {
        try await call("guest-exec-status", arguments: ["pid": pid]) as? [String: Any] ?? [:]
    }

    /// The result in an exited process's status, within `limit` bytes of output.
    func result(of status: [String: Any], path: String, limit: Int) throws(SandboxError) -> ExecResult {
        let stdout = Self.base64(status["out-data"])
        let stderr = Self.base64(status["err-data"])
        if (status["out-truncated"] as? Bool) == true || (status["err-truncated"] as? Bool) == true {
            throw SandboxError(
                .tooLarge,
                "the guest agent cut the output of \(path) in \(domain) at its own limit (16 MiB per stream); "
                    + "use stream for more")
        }
        guard stdout.count + stderr.count <= limit else {
            throw SandboxError(
                .tooLarge,
                "\(path) in \(domain) wrote \(stdout.count + stderr.count) bytes of output, more than the "
                    + "limit of \(limit)")
        }
        return ExecResult(
            exitCode: status["exitcode"] as? Int, signal: status["signal"] as? Int, stdoutData: stdout,
            stderrData: stderr)
    }

    /// Kills `pid` (and its process group when `group`) with `SIGKILL` through another
    /// `guest-exec`, then collects its exit status so the agent forgets it. Best effort: the
    /// caller is already failing.
    func kill(_ pid: Int, group: Bool) async {
        let script =
            group
            ? #"kill -9 "-$1" 2>/dev/null; kill -9 "$1" 2>/dev/null; exit 0"#
            : #"kill -9 "$1" 2>/dev/null; exit 0"#
        if let killer = try? await launch(
            "/bin/sh", ["-c", script, "sandboxcore-kill", String(pid)], options: ExecOptions(), capture: false)
        {
            await reap(killer)
        }
        await reap(pid)
    }

    /// Polls `pid`'s status until it has exited (the agent then forgets it), for up to about 5 s.
    func reap(_ pid: Int) async {
        for attempt in 0..<50 {
            guard let status = try? await exitStatus(of: pid), (status["exited"] as? Bool) != true else { return }
            // Task.sleep throws at once in a cancelled task; the attempt count still bounds this.
            try? await Task.sleep(for: .milliseconds(attempt < 10 ? 20 : 100))
        }
    }
}

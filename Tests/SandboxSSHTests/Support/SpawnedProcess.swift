import Foundation

/// A child process started with `posix_spawn` and reaped with `waitpid` on its own PID, instead of
/// Foundation's `Process`: in this test process, children that `Process` started at the same
/// moment from several threads were sometimes never reaped (zombies), and `waitUntilExit()`
/// then waited forever (the SSH suite hung in CI until its time bound).
struct SpawnedProcess: Sendable {
    let pid: pid_t

    /// Starts `path` with `arguments`, standard input from /dev/null, standard output and error
    /// appended to the given files (or /dev/null).
    init(_ path: String, _ arguments: [String], stdout: String = "/dev/null", stderr: String = "/dev/null") throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, path, &actions, nil, argv, environ)
        guard status == 0 else {
            throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "cannot start \(path): \(status)"])
        }
        self.pid = pid
    }

    /// Waits for the process to end (blocking this thread) and returns its exit status, or
    /// 128 + the signal that ended it.
    @discardableResult
    func wait() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { return -1 }
        }
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }

    /// Whether it has not ended yet (reaping it when it has).
    func isRunning() -> Bool {
        var status: Int32 = 0
        return waitpid(pid, &status, WNOHANG) == 0
    }

    func terminate() { kill(pid, SIGTERM) }
}

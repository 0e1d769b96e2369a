import Foundation
import SandboxCore

/// The command line sent in an SSH `exec` request: the caller's shell command, run by
/// `/bin/sh -c` (so the login shell's own syntax does not matter), with the caller's variables
/// exported first and, when ``GuestAgentClient/ExecOptions/killProcessGroup`` is set, under GNU
/// `timeout -s KILL` where the guest has it: `timeout` puts the command in a process group of its
/// own and kills the whole group when the time is up, as the agent path's `setsid` does. A pure
/// function of its inputs.
enum SSHRemoteCommand {
    /// The exit status `timeout -s KILL` reports for a command it killed.
    static let killedStatus = 128 + 9

    static func render(_ command: String, environment: [String: String], killAfter timeout: Duration?)
        throws(SandboxError) -> String
    {
        guard !command.utf8.contains(0) else { throw SandboxError(.invalidArgument, "the command contains NUL") }
        var parts: [String] = []
        if !environment.isEmpty {
            var assignments: [String] = []
            for (name, value) in environment.sorted(by: { $0.key < $1.key }) {
                guard isShellName(name) else {
                    throw SandboxError(
                        .invalidArgument,
                        "environment variable name \(name.debugDescription.prefix(40)) is not a shell name "
                            + "([A-Za-z_][A-Za-z0-9_]*), which SSH needs")
                }
                guard !value.utf8.contains(0) else {
                    throw SandboxError(.invalidArgument, "the value of \(name) contains NUL")
                }
                assignments.append(name + "=" + quoted(value))
            }
            parts.append("export " + assignments.joined(separator: " "))
        }
        parts.append("set -- /bin/sh -c " + quoted(command))
        if let timeout {
            let seconds = max(
                1,
                Int((Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18).rounded(.up)))
            parts.append("if command -v timeout >/dev/null 2>&1; then exec timeout -s KILL \(seconds) \"$@\"; fi")
        }
        parts.append("exec \"$@\"")
        return parts.joined(separator: "; ")
    }

    /// `text` in single quotes for a POSIX shell.
    static func quoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    static func isShellName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, bytes.count <= 255, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first)
        else { return false }
        return bytes.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
        }
    }

    /// The signal number of an SSH `exit-signal` name (RFC 4254 §6.10, `SIG` left off); nil for
    /// a name outside the standard set.
    static func signalNumber(_ name: String) -> Int? {
        [
            "HUP": 1, "INT": 2, "QUIT": 3, "ILL": 4, "ABRT": 6, "FPE": 8, "KILL": 9, "USR1": 10, "SEGV": 11,
            "USR2": 12, "PIPE": 13, "ALRM": 14, "TERM": 15,
        ][name]
    }
}

import ArgumentParser
import Foundation
import SandboxCore

struct ConsoleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "Print a sandbox's serial console log (kernel and cloud-init messages, login prompt).",
        discussion: """
            Reads the file the domain's XML names for its serial console, which must lie inside the \
            jobs folder. With --follow it keeps printing what the guest writes until the domain stops \
            (or Ctrl-C).
              sandbox-demo console --connect qemu:///system sbx-1234abcd --lines 50 --follow
            """)

    @OptionGroup var connection: ConnectionOptions
    @Argument(help: "The sandbox's name.") var name: String
    @Flag(help: "Keep printing new output until the domain stops.") var follow = false
    @Option(help: "Print only the last N lines (default: the last MiB).") var lines: Int?

    func run() async throws {
        let sandboxName = try checked { () throws(SandboxError) in try SandboxName(name) }
        if let lines, lines < 0 { throw CLIError("invalid_argument: --lines must be 0 or more, not \(lines)") }
        try await connection.withManager { libvirt, manager in
            let log = try await manager.consoleLog(of: sandboxName)
            FileHandle.standardOutput.write(Self.lastLines(of: log.data, lines))
            guard follow else { return }
            var offset = log.size
            while true {
                try? await Task.sleep(for: .milliseconds(250))
                let running = (try? await manager.domains.state(named: sandboxName.value)) == .running
                let next = try await manager.consoleLog(of: sandboxName, after: offset)
                FileHandle.standardOutput.write(next.data)
                offset = next.size
                if !running { return }
            }
        }
    }

    /// The last `count` lines of `data` (all of it for nil); a final line without a newline counts.
    static func lastLines(of data: Data, _ count: Int?) -> Data {
        guard let count else { return data }
        guard count > 0 else { return Data() }
        var newlines = 0
        var index = data.endIndex
        if index > data.startIndex, data[data.index(before: index)] == UInt8(ascii: "\n") { index -= 1 }
        while index > data.startIndex {
            let before = data.index(before: index)
            if data[before] == UInt8(ascii: "\n") {
                newlines += 1
                if newlines == count { return data[index...] }
            }
            index = before
        }
        return data
    }
}

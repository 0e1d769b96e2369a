import ArgumentParser
import SandboxCore

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo", abstract: "Run the whole flow on test:///default (no daemon needed).")

    func run() async throws {
        print("demo: not yet")
    }
}

import Synchronization
import Testing

@testable import SandboxCore

/// A component takes only the role of ``DomainManager`` it uses: a fake of one role is enough.
@Suite struct DomainRolesTests {
    /// Answers every guest agent command with an empty return; nothing else.
    final class SilentAgent: GuestChannel {
        let commands = Mutex<[String]>([])
        func agentCommand(named name: String, command: String, timeoutSeconds: Int) async throws(SandboxError)
            -> String
        {
            commands.withLock { $0.append(command) }
            return #"{"return":{}}"#
        }
    }

    /// One network with one lease; nothing else.
    struct OneLease: NetworkAdministration {
        let lease: NetworkDHCPLease
        func networkDHCPLeases(network: String, mac: String?) async throws(SandboxError) -> [NetworkDHCPLease] {
            [lease]
        }
        func networkXML(named name: String) async throws(SandboxError) -> String { "<network/>" }
        func networkIsActive(named name: String) async throws(SandboxError) -> Bool { true }
        func networkFilterExists(named name: String) async throws(SandboxError) -> Bool { false }
        func updateDHCPHost(network: String, hostXML: String, add: Bool) async throws(SandboxError) {}
    }

    @Test func theGuestAgentClientNeedsOnlyTheGuestChannel() async {
        let channel = SilentAgent()
        #expect(await GuestAgentClient(domains: channel, domain: "sbx-roles").ping())
        #expect(channel.commands.withLock { $0 }.first?.contains("guest-ping") == true)
    }

    @Test func theLeaseWatcherNeedsOnlyNetworkAdministration() async {
        let lease = NetworkDHCPLease(
            mac: "52:54:00:00:00:42", ipAddress: "192.0.2.42", prefix: 24, expiryTime: 0, family: .ipv4)
        let watcher = LeaseWatcher(domains: OneLease(lease: lease), interval: .milliseconds(5))
        var updates = await watcher.leases(of: "net-roles").makeAsyncIterator()
        #expect(await updates.next() == [lease])
    }
}

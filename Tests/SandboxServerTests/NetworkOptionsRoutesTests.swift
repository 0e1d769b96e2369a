import Foundation
import HummingbirdTesting
import SandboxCore
import SandboxServer
import Testing

/// `nics`, `seed_format` and `reset_machine_id` in `POST /v1/sandboxes` on `test:///default`.
@Suite struct NetworkOptionsRoutesTests {
    @Test func nicsAndAConfigDriveReachTheSandbox() async throws {
        try await ServerTestHost.with { host in
            try await host.application(policy: .openNetworking).test(.router) { client in
                let body = #"""
                    {"agent_id": "t", "auto_start": true, "source_vm_name": "\#(host.base)", "seed_format": "configdrive", "reset_machine_id": true,
                     "nics": [{"ipv4": "192.168.122.42/24", "gateway4": "192.168.122.1", "ipv6": "slaac",
                               "nameservers": ["192.168.122.1"], "search": ["sandbox.internal"]},
                              {"network": "default", "mac": "52:54:00:ab:cd:42"}]}
                    """#
                let created = try await client.send(.post, "/v1/sandboxes", json: body)
                #expect(created.status == .created, "\(created.text)")
                let sandbox = try created.sandbox()
                let xml = try await host.connection.domainXML(named: sandbox.sandboxName, inactive: true)
                #expect(xml.components(separatedBy: "<interface type='network'>").count == 3, "\(xml)")
                #expect(xml.contains("52:54:00:ab:cd:42"))
                let folder = try #require(host.jobsLeft().first.map { host.jobsRoot + "/" + $0 })
                let network = try String(contentsOfFile: folder + "/network_data.json", encoding: .utf8)
                #expect(network.contains("\"ip_address\":\"192.168.122.42\""), "\(network)")
                #expect(network.contains("ipv6_slaac"))
                let userData = try String(contentsOfFile: folder + "/user_data", encoding: .utf8)
                #expect(userData.contains("sandboxcore-machine-id"))
                #expect(try await client.send(.delete, "/v1/sandboxes/\(sandbox.sandboxName)").status == .ok)
                #expect(host.jobsLeft().isEmpty)
            }
        }
    }

    @Test(arguments: [
        #""nics": [{"ipv4": "10.0.0.5"}]"#,
        #""nics": [{"ipv4": "dhcp", "gateway4": "10.0.0.1"}]"#,
        #""nics": [{"ipv6": "sometimes"}]"#,
        #""nics": [{"mac": "ff:ff:ff:ff:ff:ff"}]"#,
        #""nics": [{"colour": "blue"}]"#,
        #""nics": [{"search": ["a..b"]}]"#,
        #""seed_format": "iso""#,
    ])
    func badNetworkOptionsAre400AndMakeNothing(fragment: String) async throws {
        try await ServerTestHost.with { host in
            try await host.application(policy: .openNetworking).test(.router) { client in
                let response = try await client.send(
                    .post, "/v1/sandboxes",
                    json: #"{"agent_id": "t", "auto_start": true, "source_vm_name": "\#(host.base)", \#(fragment)}"#)
                #expect(response.status == .badRequest, "\(fragment): \(response.text)")
                #expect(host.jobsLeft().isEmpty)
            }
        }
    }
}

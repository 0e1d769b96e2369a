import Foundation
import SandboxCore
import SandboxServer
import Testing

/// The environment the executable reads, parsed by the library.
@Suite struct ServerConfigurationTests {
    @Test func defaults() throws {
        let configuration = try ServerConfiguration(environment: [:])
        #expect(configuration.libvirtURI == "qemu:///system")
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.port == 8080)
        #expect(configuration.jobsRoot == "/var/lib/sandboxcore/jobs")
        #expect(configuration.network == nil)
        #expect(configuration.owner == "sandboxcore")
        #expect(configuration.discoveryTimeout.base == .seconds(120))
        #expect(configuration.janitorInterval == .seconds(5))
    }

    @Test func everyVariable() throws {
        let configuration = try ServerConfiguration(environment: [
            "LIBVIRT_URI": "qemu:///session", "SANDBOX_LISTEN": "0.0.0.0:9000", "SANDBOX_JOBS_DIR": "/srv/jobs/",
            "SANDBOX_NETWORK": "isolated", "SANDBOX_OWNER": "ci", "IP_DISCOVERY_TIMEOUT": "1m30s",
            "SANDBOX_JANITOR_INTERVAL": "250ms",
        ])
        #expect(configuration.libvirtURI == "qemu:///session")
        #expect(configuration.host == "0.0.0.0")
        #expect(configuration.port == 9000)
        #expect(configuration.jobsRoot == "/srv/jobs")
        #expect(configuration.network == "isolated")
        #expect(configuration.owner == "ci")
        #expect(configuration.discoveryTimeout.base == .seconds(90))
        #expect(configuration.janitorInterval == .milliseconds(250))
        #expect(configuration.managerConfiguration(filter: .none).owner == "ci")
        #expect(configuration.managerConfiguration(filter: .none).jobsRoot == "/srv/jobs")
    }

    @Test(arguments: [("[::1]:8081", "::1", 8081), (":7000", "0.0.0.0", 7000), ("localhost:1", "localhost", 1)])
    func listenForms(text: String, host: String, port: Int) throws {
        let configuration = try ServerConfiguration(environment: ["SANDBOX_LISTEN": text])
        #expect(configuration.host == host)
        #expect(configuration.port == port)
    }

    @Test(arguments: [
        ("IP_DISCOVERY_TIMEOUT", "soon"), ("IP_DISCOVERY_TIMEOUT", "-5s"), ("IP_DISCOVERY_TIMEOUT", "0"),
        ("SANDBOX_LISTEN", "8080"), ("SANDBOX_LISTEN", "host:port"), ("SANDBOX_LISTEN", "h:70000"),
        ("SANDBOX_JOBS_DIR", "relative/jobs"), ("LIBVIRT_URI", " "), ("SANDBOX_JANITOR_INTERVAL", "5"),
        ("SANDBOX_JANITOR_INTERVAL", "0s"), ("SANDBOX_OWNER", ""),
    ])
    func invalidValuesNameTheVariable(variable: String, value: String) {
        #expect {
            try ServerConfiguration(environment: [variable: value])
        } throws: { error in
            guard let error = error as? SandboxError else { return false }
            return error.code == .invalidArgument && error.message.contains(variable)
        }
    }
}

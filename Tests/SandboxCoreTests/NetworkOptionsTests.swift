import Foundation
import Testing
import Yams

@testable import SandboxCore

/// Fixed addresses, IPv6 modes, DNS and several NICs in the NoCloud network-config, checked by
/// the tools that consume it: PyYAML, netplan's generator and cloud-init's own converter (ENI).
@Suite struct NetworkOptionsTests {
    static let mac = try! MACAddress(parsing: "52:54:00:12:34:56")
    static let mac2 = try! MACAddress(parsing: "52:54:00:12:34:57")

    /// eth0: fixed IPv4 + gateway + DNS + search, fixed IPv6 + gateway; eth1: DHCPv4 + SLAAC.
    static func twoNICs() throws -> NetworkConfig {
        let first = SandboxNIC(
            ipv4: .fixed(try IPInterfaceAddress(parsing: "10.20.0.5/24"), gateway: try IPAddress(parsing: "10.20.0.1")),
            ipv6: .fixed(try IPInterfaceAddress(parsing: "fd00:20::5/64"), gateway: try IPAddress(parsing: "fe80::1")),
            nameservers: [try IPAddress(parsing: "10.20.0.53"), try IPAddress(parsing: "fd00:20::53")],
            searchDomains: ["sandbox.internal"])
        let second = SandboxNIC(ipv6: .slaac)
        return NetworkConfig(ethernets: [
            first.ethernet(interfaceName: "eth0", mac: mac), second.ethernet(interfaceName: "eth1", mac: mac2),
        ])
    }

    static func files(_ network: NetworkConfig, format: SeedFormat = .noCloud) throws -> SeedFiles {
        let seed = CloudInitSeed(
            instanceID: "sbx-net", hostname: try Hostname("sbx-net"), network: network, format: format)
        return try CloudInitSeedBuilder().files(for: seed)
    }

    @Test func addressesParseToCanonicalText() throws {
        #expect(try IPAddress(parsing: "fd00:0:0::05").description == "fd00::5")
        #expect(try IPAddress(parsing: "10.0.0.5").family == .ipv4)
        #expect(try IPInterfaceAddress(parsing: "10.0.0.5/24").description == "10.0.0.5/24")
        #expect(IPAddress.netmask(family: .ipv4, prefixLength: 20).description == "255.255.240.0")
        #expect(IPAddress.netmask(family: .ipv6, prefixLength: 64).description == "ffff:ffff:ffff:ffff::")
        #expect(try IPAddress(parsing: "10.0.0.77").isIn(try IPAddress(parsing: "10.0.0.0"), prefixLength: 24))
        #expect(try !IPAddress(parsing: "10.0.1.77").isIn(try IPAddress(parsing: "10.0.0.0"), prefixLength: 24))
    }

    @Test(arguments: [
        "", "10.0.0", "10.0.0.256", "10.0.0.5 ", "fd00::5%eth0", "::ffff:10.0.0.1\n", "a:b", "10.0.0.5/24",
    ])
    func badAddressesAreRefused(text: String) {
        #expect(throws: SandboxError.self) { try IPAddress(parsing: text) }
    }

    @Test(arguments: [
        "10.0.0.5", "10.0.0.5/0", "10.0.0.5/33", "0.0.0.0/8", "224.0.0.1/4", "127.0.0.1/8", "fd00::5/129",
    ])
    func badInterfaceAddressesAreRefused(text: String) {
        let error = #expect(throws: SandboxError.self) { try IPInterfaceAddress(parsing: text) }
        #expect(error?.code == .invalidArgument)
    }

    @Test func theNoCloudFileCarriesEveryOption() throws {
        let text = try Self.files(try Self.twoNICs()).networkConfig
        let parsed = try #require(try Yams.load(yaml: text) as? [String: Any])
        let ethernets = try #require(parsed["ethernets"] as? [String: Any])
        let eth0 = try #require(ethernets["eth0"] as? [String: Any])
        #expect(eth0["dhcp4"] as? Bool == false)
        #expect(eth0["addresses"] as? [String] == ["10.20.0.5/24", "fd00:20::5/64"])
        #expect(eth0["accept-ra"] as? Bool == false)
        #expect(eth0["dhcp-identifier"] == nil)
        #expect(eth0["gateway4"] as? String == "10.20.0.1")
        #expect(eth0["gateway6"] as? String == "fe80::1")
        let dns = try #require(eth0["nameservers"] as? [String: [String]])
        #expect(dns["addresses"] == ["10.20.0.53", "fd00:20::53"])
        #expect(dns["search"] == ["sandbox.internal"])
        let eth1 = try #require(ethernets["eth1"] as? [String: Any])
        #expect(eth1["dhcp4"] as? Bool == true)
        #expect(eth1["accept-ra"] as? Bool == true)
        #expect(eth1["dhcp-identifier"] as? String == "mac")
    }

    @Test(.enabled(if: ExternalTool.exists("/usr/sbin/netplan")))
    func netplanRendersFixedAddressesRoutesAndDNS() throws {
        let text = try Self.files(try Self.twoNICs()).networkConfig
        let rendered = try NetworkRenderers.netplanGenerate(text, interfaces: ["eth0", "eth1"])
        let eth0 = try #require(rendered["eth0"])
        for line in [
            "Address=10.20.0.5/24", "Address=fd00:20::5/64", "Gateway=10.20.0.1", "Gateway=fe80::1", "DNS=10.20.0.53",
            "DNS=fd00:20::53", "Domains=sandbox.internal", "IPv6AcceptRA=no", "MACAddress=52:54:00:12:34:56",
        ] {
            #expect(eth0.contains(line), "missing \(line) in\n\(eth0)")
        }
        #expect(!eth0.contains("DHCP="), "\(eth0)")
        let eth1 = try #require(rendered["eth1"])
        #expect(eth1.contains("DHCP=ipv4"), "\(eth1)")
        #expect(eth1.contains("IPv6AcceptRA=yes"), "\(eth1)")
    }

    /// cloud-init turns the same file into ifupdown stanzas on ENI guests.
    @Test(.enabled(if: ExternalTool.exists("/usr/bin/cloud-init")))
    func cloudInitRendersTheFileForENIGuests() throws {
        let eni = try NetworkRenderers.cloudInitConvert(
            try Self.files(try Self.twoNICs()).networkConfig, kind: "yaml", output: "eni")
        for line in [
            "iface eth0 inet static", "address 10.20.0.5/24", "gateway 10.20.0.1", "iface eth0 inet6 static",
            "address fd00:20::5/64", "gateway fe80::1", "dns-nameservers 10.20.0.53 fd00:20::53",
            "dns-search sandbox.internal",
            "iface eth1 inet dhcp",
        ] {
            #expect(eni.contains(line), "missing \(line) in\n\(eni)")
        }
    }

    @Test(.enabled(if: ExternalTool.exists("/usr/sbin/netplan")))
    func dhcpv6RendersAsDHCPForBothFamilies() throws {
        let network = NetworkConfig(ethernets: [SandboxNIC(ipv6: .dhcp).ethernet(interfaceName: "eth0", mac: Self.mac)])
        let text = try Self.files(network).networkConfig
        let eth0 = try #require(try NetworkRenderers.netplanGenerate(text, interfaces: ["eth0"])["eth0"])
        #expect(eth0.contains("DHCP=yes"), "\(eth0)")
    }

    @Test(arguments: [
        // gateway not on the NIC's subnet
        SandboxNIC(ipv4: .fixed(IPInterfaceAddress("10.0.0.5/24")!, gateway: IPAddress("10.0.1.1")!)),
        // gateway of the wrong family
        SandboxNIC(ipv4: .fixed(IPInterfaceAddress("10.0.0.5/24")!, gateway: IPAddress("fd00::1")!)),
        // gateway is the NIC itself
        SandboxNIC(ipv4: .fixed(IPInterfaceAddress("10.0.0.5/24")!, gateway: IPAddress("10.0.0.5")!)),
        // IPv6 address as the fixed IPv4
        SandboxNIC(ipv4: .fixed(IPInterfaceAddress("fd00::5/64")!)),
        // IPv4 address as the fixed IPv6
        SandboxNIC(ipv6: .fixed(IPInterfaceAddress("10.0.0.5/24")!)),
        // search domains with an empty label or a newline
        SandboxNIC(searchDomains: ["a..b"]),
        SandboxNIC(searchDomains: ["a.b\nbootcmd: x"]),
        // multicast nameserver
        SandboxNIC(nameservers: [IPAddress("224.0.0.251")!]),
        // a reservation without DHCP, and one on a bridge
        SandboxNIC(ipv4: .disabled, reservedIPv4: IPAddress("10.0.0.9")!),
        SandboxNIC(network: .bridge("br0"), reservedIPv4: IPAddress("10.0.0.9")!),
        SandboxNIC(reservedIPv4: IPAddress("fd00::9")!),
    ])
    func badNICsAreRefusedBeforeAnythingIsMade(nic: SandboxNIC) throws {
        var request = SandboxRequest(baseVM: "base")
        request.nics = [nic]
        let error = #expect(throws: SandboxError.self) { try SandboxManager.validateNetworking(request) }
        #expect(error?.code == .invalidArgument)
    }

    @Test func tooManyNICsAndTwoGatewaysAreRefused() throws {
        var request = SandboxRequest(baseVM: "base")
        request.nics = Array(repeating: SandboxNIC(), count: SandboxNIC.maxCount + 1)
        #expect(throws: SandboxError.self) { try SandboxManager.validateNetworking(request) }
        let withGateway = SandboxNIC(
            ipv4: .fixed(try IPInterfaceAddress(parsing: "10.0.0.5/24"), gateway: try IPAddress(parsing: "10.0.0.1")))
        request.nics = [withGateway, withGateway]
        #expect(throws: SandboxError.self) { try SandboxManager.validateNetworking(request) }
        request.nics = [SandboxNIC(mac: Self.mac), SandboxNIC(mac: Self.mac)]
        #expect(throws: SandboxError.self) { try SandboxManager.validateNetworking(request) }
        request.nics = Array(repeating: SandboxNIC(), count: SandboxNIC.maxCount)
        try SandboxManager.validateNetworking(request)
    }

    @Test func aCustomNetworkConfigGoesOnTheSeedVerbatim() throws {
        let custom =
            "network:\n  version: 2\n  ethernets:\n    all:\n      match: {driver: \"virtio*\"}\n      dhcp4: true\n"
        var seed = CloudInitSeed(
            instanceID: "sbx-c", hostname: try Hostname("sbx-c"), network: .dhcp(mac: Self.mac),
            customNetworkConfig: custom)
        #expect(try CloudInitSeedBuilder().files(for: seed).networkConfig == custom)
        seed.customNetworkConfig = "version: 1\nconfig: []\n"
        #expect(try CloudInitSeedBuilder().files(for: seed).networkConfig == "version: 1\nconfig: []\n")
    }

    @Test(arguments: [
        "- a list", "version: 3\n", "ethernets: {}\n", "version: [2]\n", "{unclosed: ", "network: {ethernets: {}}\n",
    ])
    func badCustomNetworkConfigsAreRefused(text: String) throws {
        let seed = CloudInitSeed(
            instanceID: "sbx-c", hostname: try Hostname("sbx-c"), network: .dhcp(mac: Self.mac),
            customNetworkConfig: text)
        let error = #expect(throws: SandboxError.self) { try CloudInitSeedBuilder().files(for: seed) }
        #expect(error?.code == .invalidArgument)
    }

    @Test func aCustomNetworkConfigNeedsNoCloud() throws {
        let seed = CloudInitSeed(
            instanceID: "sbx-c", hostname: try Hostname("sbx-c"), network: .dhcp(mac: Self.mac),
            customNetworkConfig: "version: 2\n", format: .configDrive)
        #expect(throws: SandboxError.self) { try CloudInitSeedBuilder().files(for: seed) }
    }

    @Test func machineIDResetRunsFirstInBootcmdOncePerInstance() throws {
        for extra in [nil, "bootcmd: [[touch, /tmp/mine]]\nruncmd: [[true]]\n"] {
            let data = UserData(extraCloudConfig: extra, resetMachineID: true)
            let seed = CloudInitSeed(
                instanceID: "sbx-m", hostname: try Hostname("sbx-m"), network: .dhcp(mac: Self.mac), userData: data)
            let text = try CloudInitSeedBuilder().files(for: seed).userData
            let parsed = try #require(try Yams.load(yaml: text) as? [String: Any])
            let bootcmd = try #require(parsed["bootcmd"] as? [[String]])
            #expect(bootcmd.first == UserData.machineIDResetCommand)
            #expect(bootcmd.count == (extra == nil ? 1 : 2))
            if extra != nil { #expect(bootcmd.last == ["touch", "/tmp/mine"]) }
        }
    }

    @Test(.enabled(if: ExternalTool.exists("/usr/bin/cloud-init")))
    func cloudInitSchemaAcceptsTheMachineIDReset() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let seed = CloudInitSeed(
            instanceID: "sbx-m", hostname: try Hostname("sbx-m"), network: .dhcp(mac: Self.mac),
            userData: UserData(resetMachineID: true))
        let path = try folder.write(try CloudInitSeedBuilder().files(for: seed).userData, to: "user-data")
        let result = try ExternalTool.run("/usr/bin/cloud-init", ["schema", "--config-file", path])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
    }
}

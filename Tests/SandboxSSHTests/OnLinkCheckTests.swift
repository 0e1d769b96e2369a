import SandboxCore
import Testing

@testable import SandboxSSH

/// SSH goes only to addresses on a directly attached network (a sandbox's bridge) or loopback.
@Suite struct OnLinkCheckTests {
    // A host with a default route through 192.0.2.1 on eth0, 192.0.2.0/24 on eth0, and a sandbox
    // bridge 192.168.123.0/24; IPv6: fd00::/64 on eth0, default via fd00::1, fe80::/64.
    let routes = OnLinkCheck.RouteTables(
        ipv4: """
            Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
            eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0
            eth0\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
            sbxbr0\t007BA8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
            """,
        ipv6: """
            fd000000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0
            fe800000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000002 00000000 00000001     eth0
            00000000000000000000000000000000 00 00000000000000000000000000000000 00 fd000000000000000000000000000001 00000400 00000003 00000000 00000003     eth0
            00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo
            """)

    @Test(arguments: ["192.168.123.206", "192.0.2.40", "127.0.0.1", "127.9.9.9", "::1", "fd00::42", "fe80::1"])
    func attachedAndLoopbackAddressesPass(address: String) throws {
        try OnLinkCheck.require(address, routes: routes)
    }

    @Test(arguments: ["192.168.122.5", "10.0.0.1", "8.8.8.8", "2001:db8::1", "fd01::1"])
    func routedAddressesAreRefusedBeforeAnyPacket(address: String) {
        #expect(throws: SandboxError.self) { try OnLinkCheck.require(address, routes: routes) }
        do {
            try OnLinkCheck.require(address, routes: routes)
        } catch {
            #expect(error.code == .sshUnavailable)
        }
    }

    @Test(arguments: ["sandbox.example", "", "192.168.123", "1.2.3.4.5"])
    func namesAreNotAddresses(host: String) {
        do {
            try OnLinkCheck.require(host, routes: routes)
            Issue.record("\(host) passed")
        } catch {
            #expect(error.code == .invalidArgument)
        }
    }

    @Test func noRoutesMeansNothingButLoopback() throws {
        let none = OnLinkCheck.RouteTables(ipv4: "", ipv6: "")
        try OnLinkCheck.require("127.0.0.1", routes: none)
        #expect(throws: SandboxError.self) { try OnLinkCheck.require("192.168.123.2", routes: none) }
    }
}

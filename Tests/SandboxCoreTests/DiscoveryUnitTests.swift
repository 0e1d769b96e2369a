import Foundation
import Testing

@testable import SandboxCore

/// Pure parts of discovery: durations, timeout scaling, lease and address selection, the poll
/// schedule, the verdict and the file readers of the diagnoser.
@Suite struct DiscoveryGoDurationTests {
    @Test(arguments: [
        ("500ms", Duration.milliseconds(500)),
        ("90s", .seconds(90)),
        ("2m", .seconds(120)),
        ("1m30s", .seconds(90)),
        ("1.5h", .seconds(5400)),
        ("0", .zero),
        ("0s", .zero),
        ("+5s", .seconds(5)),
        (".5s", .milliseconds(500)),
        ("1.s", .seconds(1)),
        ("300us", .microseconds(300)),
        ("300\u{00B5}s", .microseconds(300)),
        ("300\u{03BC}s", .microseconds(300)),
        ("42ns", .nanoseconds(42)),
        ("1h2m3.5s", .milliseconds(3_723_500)),
        ("2h45m", .seconds(9900)),
        ("0.1ns", .zero),
        ("1.0000000000000000000001s", .seconds(1)),
        ("2562047h", .seconds(2_562_047 * 3600)),
    ])
    func parsesGoDurations(text: String, expected: Duration) throws {
        #expect(try GoDuration.parse(text) == expected)
    }

    @Test(arguments: [
        ("", "empty"),
        ("5", "unit is missing"),
        ("-1s", "negative"),
        ("-0", "negative"),
        ("1x", "unknown unit"),
        ("s", "expected a number"),
        (".s", "expected a number"),
        ("+", "no number"),
        ("1 s", "unknown unit"),
        ("1s ", "unknown unit"),
        ("1m-5s", "unknown unit"),
        ("ms5", "expected a number"),
        ("1d", "unknown unit"),
        ("2562048h", "too large"),
        ("9223372036854775808ns", "too large"),
    ])
    func rejectsBadDurations(text: String, reason: String) {
        do {
            let value = try GoDuration.parse(text)
            Issue.record("\(text.debugDescription) parsed as \(value)")
        } catch {
            #expect(error.code == .invalidArgument)
            #expect(error.message.contains(reason), "\(error.message)")
            #expect(error.message.contains("invalid duration"))
        }
    }

    @Test(arguments: [
        (Duration.zero, "0s"),
        (.nanoseconds(42), "42ns"),
        (.nanoseconds(1500), "1.5µs"),
        (.milliseconds(500), "500ms"),
        (.milliseconds(1500), "1.5s"),
        (.seconds(90), "1m30s"),
        (.seconds(120), "2m0s"),
        (.seconds(5400), "1h30m0s"),
        (.milliseconds(3_723_500), "1h2m3.5s"),
        (.zero - .seconds(5), "-5s"),
    ])
    func formatsLikeGo(duration: Duration, expected: String) throws {
        #expect(GoDuration.format(duration) == expected)
        if duration >= .zero {
            #expect(try GoDuration.parse(expected) == duration)
        }
    }
}

@Suite struct DiscoveryTimeoutTests {
    @Test func environmentSetsTheBase() throws {
        let unset = try DiscoveryTimeout.fromEnvironment([:])
        #expect(unset.base == .seconds(120))
        #expect(unset.baseOrigin == "default")
        let set = try DiscoveryTimeout.fromEnvironment(["IP_DISCOVERY_TIMEOUT": "90s", "OTHER": "x"])
        #expect(set.base == .seconds(90))
        #expect(set.baseOrigin == "IP_DISCOVERY_TIMEOUT=90s")
        #expect(try DiscoveryTimeout.fromEnvironment(["IP_DISCOVERY_TIMEOUT": " 5m "]).base == .seconds(300))
    }

    @Test(arguments: ["", "soon", "0", "0s", "-1m", "10"])
    func invalidEnvironmentIsAClearError(value: String) {
        do {
            let timeout = try DiscoveryTimeout.fromEnvironment(["IP_DISCOVERY_TIMEOUT": value])
            Issue.record("accepted \(value.debugDescription) as \(timeout.base)")
        } catch {
            #expect(error.code == .invalidArgument)
            #expect(error.message.contains("IP_DISCOVERY_TIMEOUT"))
        }
    }

    @Test func scalesWithHowTheGuestRuns() {
        let timeout = DiscoveryTimeout()
        let kvm = timeout.effective(virtType: "kvm", guestArch: "x86_64", hostArch: "x86_64")
        #expect(kvm.duration == .seconds(120))
        #expect(kvm.reasons == ["base 2m0s (default)"])

        let tcg = timeout.effective(virtType: "qemu", guestArch: "x86_64", hostArch: "x86_64")
        #expect(tcg.duration == .seconds(360))
        #expect(tcg.reasons.count == 2)
        #expect(tcg.reasons[1].contains("TCG"))

        let foreign = timeout.effective(virtType: "qemu", guestArch: "aarch64", hostArch: "x86_64")
        #expect(foreign.duration == .seconds(720))
        #expect(foreign.reasons.count == 3)
        #expect(foreign.reasons[2].contains("aarch64 on x86_64"))
        #expect(foreign.description.hasPrefix("12m0s ("))

        // Aliases name the same architecture; KVM cannot emulate, so no foreign factor there.
        #expect(timeout.effective(virtType: "qemu", guestArch: "arm64", hostArch: "aarch64").duration == .seconds(360))
        #expect(timeout.effective(virtType: "kvm", guestArch: "aarch64", hostArch: "x86_64").duration == .seconds(120))
        #expect(timeout.effective(virtType: nil, guestArch: nil, hostArch: nil).duration == .seconds(120))
        #expect(timeout.effective(virtType: "test", guestArch: "x86_64").duration == .seconds(120))
    }

    @Test func expectedBootTimeRaisesTheTimeout() {
        let timeout = DiscoveryTimeout()
        let raised = timeout.effective(
            virtType: "kvm", guestArch: "x86_64", hostArch: "x86_64", expectedBootSeconds: 300)
        #expect(raised.duration == .seconds(600))
        #expect(raised.reasons.last?.contains("raised to 2×") == true)
        let fits = timeout.effective(virtType: "kvm", guestArch: "x86_64", hostArch: "x86_64", expectedBootSeconds: 30)
        #expect(fits.duration == .seconds(120))
        #expect(fits.reasons.last?.contains("fits") == true)
        let tcg = timeout.effective(virtType: "qemu", guestArch: "x86_64", hostArch: "x86_64", expectedBootSeconds: 100)
        #expect(tcg.duration == .seconds(360))
        #expect(timeout.effective(virtType: "kvm", guestArch: nil, expectedBootSeconds: 0).duration == .seconds(120))
    }

    @Test func multipliersAreConfigurable() {
        let timeout = DiscoveryTimeout(
            base: .seconds(10), baseOrigin: "test", tcgMultiplier: 5, foreignArchMultiplier: 1.5, expectedBootFactor: 3)
        let result = timeout.effective(
            virtType: "QEMU", guestArch: "aarch64", hostArch: "x86_64", expectedBootSeconds: 20)
        #expect(result.duration == .seconds(75))
        #expect(
            result.reasons == [
                "base 10s (test)", "×5 for TCG emulation (domain type qemu)", "×1.5 for emulating aarch64 on x86_64",
                "the base VM's expected boot time of 20s (×3) fits",
            ])
        #expect(timeout.effective(virtType: "kvm", guestArch: nil, expectedBootSeconds: 20).duration == .seconds(60))
        #expect(EffectiveTimeout.fixed(.milliseconds(300)).description == "300ms (given by the caller)")
    }

    @Test func hostArchitectureIsKnown() {
        #expect(["x86_64", "aarch64", "ppc64le", "s390x", "riscv64"].contains(DiscoveryTimeout.hostArchitecture))
    }

    @Test func baseVMHintsParse() {
        let xml = BaseVMHints.metadataXML(expectedBootSeconds: 240)
        #expect(BaseVMHints.expectedBootSeconds(metadataXML: xml) == 240)
        let other =
            #"<x:hints xmlns:x="urn:x-sandboxcore:base:1"><x:expectedBootSeconds> 30 </x:expectedBootSeconds></x:hints>"#
        #expect(BaseVMHints.expectedBootSeconds(metadataXML: other) == 30)
        for bad in [
            "", "<hints/>", "<hints><expectedBootSeconds>0</expectedBootSeconds></hints>",
            "<hints><expectedBootSeconds>soon</expectedBootSeconds></hints>",
            "<hints><expectedBootSeconds>86401</expectedBootSeconds></hints>",
            "<other><expectedBootSeconds>30</expectedBootSeconds></other>", "<hints>",
        ] {
            #expect(BaseVMHints.expectedBootSeconds(metadataXML: bad) == nil, "\(bad)")
        }
    }
}

@Suite struct DiscoverySelectionTests {
    static let mac = MACAddress("52:54:00:12:34:56")!
    static let now: Int64 = 1_700_000_000

    static func lease(_ ip: String, mac: String = "52:54:00:12:34:56", expiry: Int64, family: IPAddressFamily = .ipv4)
        -> NetworkDHCPLease
    {
        NetworkDHCPLease(mac: mac, ipAddress: ip, prefix: family == .ipv4 ? 24 : 64, expiryTime: expiry, family: family)
    }

    @Test func leasesAreFilteredByMACAndExpiryNewestFirst() {
        let leases = [
            Self.lease("192.168.122.10", expiry: Self.now - 10),  // expired
            Self.lease("192.168.122.11", expiry: Self.now + 100),
            Self.lease("192.168.122.12", mac: "52:54:00:ff:ff:ff", expiry: Self.now + 5000),  // another NIC
            Self.lease("192.168.122.13", expiry: Self.now + 500),  // newest with an expiry
            Self.lease("192.168.122.14", mac: "52:54:00:12:34:56".uppercased(), expiry: Self.now + 200),
            Self.lease("192.168.122.15", expiry: Self.now),  // expires now: gone
        ]
        let current = LeaseSelection.current(leases, mac: Self.mac, now: Self.now)
        #expect(current.map(\.ipAddress) == ["192.168.122.13", "192.168.122.14", "192.168.122.11"])
        let addresses = LeaseSelection.addresses(leases, mac: Self.mac, now: Self.now, preference: .preferIPv4)
        #expect(addresses.first?.address == "192.168.122.13")
        #expect(addresses.first?.source == .networkLeases)
        #expect(addresses.first?.expiryTime == Self.now + 500)
    }

    @Test func aLeaseThatNeverExpiresIsTheNewest() {
        let leases = [Self.lease("10.0.0.2", expiry: Self.now + 999), Self.lease("10.0.0.3", expiry: 0)]
        #expect(
            LeaseSelection.current(leases, mac: Self.mac, now: Self.now).map(\.ipAddress) == ["10.0.0.3", "10.0.0.2"])
    }

    @Test func noLeaseForOtherMACs() {
        let leases = [
            Self.lease("10.0.0.2", mac: "52:54:00:00:00:01", expiry: 0), Self.lease("10.0.0.3", mac: "junk", expiry: 0),
        ]
        #expect(LeaseSelection.current(leases, mac: Self.mac, now: Self.now).isEmpty)
        #expect(LeaseSelection.addresses(leases, mac: Self.mac, now: Self.now, preference: .preferIPv4).isEmpty)
    }

    @Test func linkLocalIsSkippedAndIPv4ComesFirstUnlessAsked() {
        let leases = [
            Self.lease("fd00::5", expiry: Self.now + 900, family: .ipv6),
            Self.lease("fe80::5054:ff:fe12:3456", expiry: Self.now + 800, family: .ipv6),
            Self.lease("169.254.3.4", expiry: Self.now + 700),
            Self.lease("192.168.122.20", expiry: Self.now + 600),
        ]
        let v4 = LeaseSelection.addresses(leases, mac: Self.mac, now: Self.now, preference: .preferIPv4)
        #expect(v4.map(\.address) == ["192.168.122.20", "fd00::5"])
        let v6 = LeaseSelection.addresses(leases, mac: Self.mac, now: Self.now, preference: .preferIPv6)
        #expect(v6.map(\.address) == ["fd00::5", "192.168.122.20"])
        #expect(
            LeaseSelection.addresses(leases, mac: Self.mac, now: Self.now, preference: .ipv4Only).map(\.address) == [
                "192.168.122.20"
            ])
        #expect(
            LeaseSelection.addresses(leases, mac: Self.mac, now: Self.now, preference: .ipv6Only).map(\.address) == [
                "fd00::5"
            ])
    }

    @Test(arguments: [
        ("192.168.122.5", IPAddressFamily.ipv4, AddressSelection.Scope.usable),
        ("10.1.2.3", .ipv4, .usable),
        ("169.254.0.1", .ipv4, .linkLocal),
        ("127.0.0.1", .ipv4, .loopback),
        ("127.8.9.10", .ipv4, .loopback),
        ("0.0.0.0", .ipv4, .unspecified),
        ("fd00::1", .ipv6, .usable),
        ("2001:db8::1", .ipv6, .usable),
        ("fe80::1", .ipv6, .linkLocal),
        ("fe80::1%eth0", .ipv6, .linkLocal),
        ("febf::1", .ipv6, .linkLocal),
        ("fec0::1", .ipv6, .usable),
        ("::1", .ipv6, .loopback),
        ("::", .ipv6, .unspecified),
        ("::ffff:192.168.1.1", .ipv6, .usable),
    ])
    func classifiesAddresses(text: String, family: IPAddressFamily, scope: AddressSelection.Scope) throws {
        let result = try #require(AddressSelection.classify(text))
        #expect(result.family == family)
        #expect(result.scope == scope)
    }

    @Test func rejectsNonAddresses() {
        for text in ["", "host", "256.1.1.1", "1.2.3", "::g", "192.168.1.1/24"] {
            #expect(AddressSelection.classify(text) == nil, "\(text)")
        }
    }

    @Test func usableDeduplicatesAndFixesFamilies() {
        let found = [
            DiscoveredAddress(address: "fd00::9", family: .ipv4, prefix: 64, source: .agent),  // wrong family field
            DiscoveredAddress(address: "127.0.0.1", family: .ipv4, prefix: 8, source: .agent),
            DiscoveredAddress(address: "10.0.0.9", family: .ipv4, prefix: 24, source: .agent),
            DiscoveredAddress(address: "10.0.0.9", family: .ipv4, prefix: 24, source: .agent),
            DiscoveredAddress(address: "not an address", family: .ipv4, prefix: 0, source: .agent),
        ]
        let usable = AddressSelection.usable(found, preference: .preferIPv4)
        #expect(usable.map(\.address) == ["10.0.0.9", "fd00::9"])
        #expect(usable.last?.family == .ipv6)
        #expect(usable.first?.description == "10.0.0.9/24 (guest agent)")
    }
}

@Suite struct DiscoveryPollScheduleTests {
    @Test func defaultScheduleBacksOffToOneSecond() {
        let schedule = PollSchedule.default
        let delays = (0..<12).map { schedule.delay(afterPoll: $0) }
        let expected: [Duration] = [
            .milliseconds(20), .milliseconds(30), .milliseconds(45), .microseconds(67_500), .microseconds(101_250),
            .microseconds(151_875), .nanoseconds(227_812_500), .nanoseconds(341_718_750), .nanoseconds(512_578_125),
            .nanoseconds(768_867_188), .seconds(1), .seconds(1),
        ]
        #expect(delays == expected)
        #expect(schedule.delay(afterPoll: 10_000) == .seconds(1))
        #expect(schedule.delay(afterPoll: -3) == .milliseconds(20))
    }

    @Test func oddSchedulesStayBounded() {
        let flat = PollSchedule(initial: .milliseconds(50), factor: 0.5, maximum: .seconds(1))
        #expect((0..<5).map { flat.delay(afterPoll: $0) } == Array(repeating: .milliseconds(50), count: 5))
        let inverted = PollSchedule(initial: .seconds(5), factor: 2, maximum: .seconds(1))
        #expect(inverted.delay(afterPoll: 0) == .seconds(1))
        let nan = PollSchedule(initial: .milliseconds(10), factor: .nan, maximum: .seconds(1))
        #expect(nan.delay(afterPoll: 3) == .milliseconds(10))
        let doubling = PollSchedule(initial: .milliseconds(1), factor: 2, maximum: .milliseconds(10))
        #expect((0..<6).map { doubling.delay(afterPoll: $0) } == [1, 2, 4, 8, 10, 10].map { .milliseconds($0) })
    }
}

@Suite struct DiscoveryVerdictTests {
    typealias Inputs = Verdict.Inputs

    static let running = DomainState.running
    static let cases: [(Inputs, Verdict.Stage, String)] = [
        (
            Inputs(state: nil, seedAttached: true, txPackets: 5, currentLeases: 1, addresses: []), .domainMissing,
            "does not exist"
        ),
        (
            Inputs(
                state: nil, stateError: "connection closed", seedAttached: true, txPackets: nil, currentLeases: nil,
                addresses: []),
            .unknown, "connection closed"
        ),
        (
            Inputs(state: .shutOff, seedAttached: true, txPackets: nil, currentLeases: nil, addresses: []), .notRunning,
            "domain is shut off"
        ),
        (
            Inputs(state: .crashed, seedAttached: true, txPackets: nil, currentLeases: nil, addresses: []), .notRunning,
            "crashed"
        ),
        (
            Inputs(state: .paused, seedAttached: true, txPackets: 0, currentLeases: 0, addresses: []), .notRunning,
            "paused"
        ),
        (
            Inputs(state: running, seedAttached: true, txPackets: 10, currentLeases: 1, addresses: ["10.0.0.5"]),
            .addressFound, "address found: 10.0.0.5"
        ),
        (
            Inputs(state: .blocked, seedAttached: false, txPackets: 0, currentLeases: 0, addresses: ["10.0.0.5"]),
            .addressFound, "10.0.0.5"
        ),
        (
            Inputs(state: running, seedAttached: false, txPackets: 0, currentLeases: 0, addresses: []), .noSeed,
            "no cloud-init seed attached"
        ),
        (
            Inputs(
                state: running, seedAttached: true, seedIsExpected: false, txPackets: 0, currentLeases: 0, addresses: []
            ),
            .foreignSeed, "not the sandbox's own"
        ),
        (
            Inputs(
                state: running, seedAttached: true, seedIsExpected: true, txPackets: 0, currentLeases: 0, addresses: []),
            .noPackets,
            "guest sent no packets: it has not booted or has no network config for this NIC (instance-id reused?)"
        ),
        (
            Inputs(
                state: running, seedAttached: true, txPackets: 0, currentLeases: nil, addresses: [],
                consoleHasOutput: true),
            .noPackets, "it booted"
        ),
        (
            Inputs(
                state: running, seedAttached: true, txPackets: 0, currentLeases: nil, addresses: [],
                consoleHasOutput: false),
            .noPackets, "has not booted"
        ),
        (
            Inputs(
                state: running, seedAttached: true, txPackets: 12, network: "default", currentLeases: 0, addresses: []),
            .noLease, "packets sent but no lease: is DHCP running on network default?"
        ),
        (
            Inputs(state: running, seedAttached: true, txPackets: nil, currentLeases: 0, addresses: []), .noLease,
            "no lease: is DHCP running on the sandbox's network?"
        ),
        (
            Inputs(
                state: running, seedAttached: true, txPackets: 12, currentLeases: 1, leaseAddress: "10.0.0.7",
                addresses: []),
            .addressQueryEmpty, "lease exists (10.0.0.7) but the domain's address query is empty"
        ),
        (
            Inputs(state: running, seedAttached: true, txPackets: 12, currentLeases: nil, addresses: []), .noAddress,
            "packets sent but no source reports an address"
        ),
    ]

    @Test(arguments: cases)
    func verdictNamesTheStalledStage(inputs: Inputs, stage: Verdict.Stage, hint: String) {
        let verdict = Verdict.judge(inputs)
        #expect(verdict.stage == stage)
        #expect(verdict.hint.contains(hint), "\(verdict.hint)")
        #expect(verdict.description.hasPrefix(stage.rawValue + ": "))
    }
}

@Suite struct DiscoveryFileTests {
    @Test func consoleTailKeepsTheLastLinesWithoutEscapes() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.file("console.log")
        var text = "\u{1B}[2J\u{1B}[1;1H"
        for index in 1...30 { text += "line \(index)\u{1B}[0m\r\n" }
        text += "\n\n"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let (lines, hasOutput) = try Diagnoser.tail(of: path, lines: 20).get()
        #expect(hasOutput)
        #expect(lines.count == 20)
        #expect(lines.first == "line 11")
        #expect(lines.last == "line 30")

        let empty = folder.file("empty.log")
        try "".write(toFile: empty, atomically: true, encoding: .utf8)
        let (none, emptyHasOutput) = try Diagnoser.tail(of: empty, lines: 20).get()
        #expect(none.isEmpty)
        #expect(!emptyHasOutput)

        #expect(throws: SandboxError.self) { try Diagnoser.tail(of: folder.file("missing.log"), lines: 20).get() }
    }

    @Test func consoleTailOfALargeLogReadsOnlyItsEnd() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let path = folder.file("big.log")
        let text = (1...20_000).map { "boot message number \($0)" }.joined(separator: "\n")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let (lines, _) = try Diagnoser.tail(of: path, lines: 3, window: 4096).get()
        #expect(lines == ["boot message number 19998", "boot message number 19999", "boot message number 20000"])
    }

    @Test func seedFilesNextToTheSeedAreRead() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let iso = folder.file("cloud-init.iso")
        try "iso".write(toFile: iso, atomically: true, encoding: .utf8)
        try "instance-id: \"sbx-1234\"\nlocal-hostname: sbx\n".write(
            toFile: folder.file("meta-data"), atomically: true, encoding: .utf8)
        try "version: 2\n".write(toFile: folder.file("network-config"), atomically: true, encoding: .utf8)

        let own = Diagnoser.seed(attached: ["/other/seed.iso", iso], expected: iso)
        #expect(own.attached && own.path == iso && own.isExpected == true)
        #expect(own.instanceID == "sbx-1234")
        #expect(own.networkConfig == "version: 2\n")

        let foreign = Diagnoser.seed(attached: ["/base/seed.iso"], expected: iso)
        #expect(foreign.attached && foreign.path == "/base/seed.iso" && foreign.isExpected == false)
        #expect(foreign.instanceID == "sbx-1234")  // the files of the expected seed

        let none = Diagnoser.seed(attached: [], expected: nil)
        #expect(!none.attached && none.isExpected == nil && none.instanceID == nil)

        #expect(Diagnoser.instanceID(inMetaData: "local-hostname: x\ninstance-id: plain\n") == "plain")
        #expect(Diagnoser.instanceID(inMetaData: "instance-id: 'quoted'") == "quoted")
        #expect(Diagnoser.instanceID(inMetaData: "local-hostname: x") == nil)
    }

    @Test func theDomainDescriptionComesFromTheLiveXML() throws {
        let xml = """
            <domain type='qemu' id='3'>
              <name>sbx</name>
              <os><type arch='aarch64' machine='virt'>hvm</type></os>
              <devices>
                <disk type='file' device='disk'><source file='/jobs/sbx/disk.qcow2'/><target dev='vda'/></disk>
                <disk type='file' device='cdrom'><source file='/jobs/sbx/cloud-init.iso'/><target dev='sda'/></disk>
                <disk type='file' device='cdrom'><target dev='sdb'/></disk>
                <interface type='network'>
                  <mac address='52:54:00:AB:CD:EF'/><source network='sandbox-net'/><target dev='vnet7'/>
                </interface>
                <interface type='bridge'><mac address='52:54:00:00:00:02'/><source bridge='br0'/></interface>
                <serial type='pty'><log file='/jobs/sbx/console.log' append='off'/><target port='0'/></serial>
              </devices>
            </domain>
            """
        let facts = try #require(DomainDescription(xml: xml))
        #expect(facts.virtType == "qemu")
        #expect(facts.arch == "aarch64")
        #expect(facts.cdromFiles == ["/jobs/sbx/cloud-init.iso"])
        #expect(facts.consoleLogFiles == ["/jobs/sbx/console.log"])
        let nic = try #require(facts.interface(mac: MACAddress("52:54:00:ab:cd:ef")!))
        #expect(nic.network == "sandbox-net")
        #expect(nic.targetDevice == "vnet7")
        #expect(facts.interface(mac: MACAddress("52:54:00:00:00:02")!)?.network == nil)
        #expect(facts.interface(mac: MACAddress("52:54:00:00:00:03")!) == nil)
        #expect(facts.firstMAC == MACAddress("52:54:00:ab:cd:ef"))
        #expect(facts.macs == [MACAddress("52:54:00:ab:cd:ef")!, MACAddress("52:54:00:00:00:02")!])
        // Only NICs on libvirt networks, whatever quotes the XML uses.
        #expect(facts.networkNICs == ["sandbox-net": [MACAddress("52:54:00:ab:cd:ef")!]])
        let doubleQuoted = try #require(
            DomainDescription(
                xml: #"<domain type="kvm"><devices><interface type="network"><source network="n2"/>"#
                    + #"<mac address="52:54:00:00:00:09"/></interface></devices></domain>"#))
        #expect(doubleQuoted.networkNICs == ["n2": [MACAddress("52:54:00:00:00:09")!]])
        #expect(DomainDescription(xml: "<network/>") == nil)
        #expect(DomainDescription(xml: "") == nil)
    }
}

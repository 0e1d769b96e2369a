/// Why a sandbox has (or has not) got an IP address, stage by stage: what ``Diagnoser`` found and
/// the ``Verdict`` drawn from it. Attached to the `.timeout` and `.notRunning` errors of
/// ``IPWaiter`` (``SandboxError/diagnosis``) and available on demand. A plain value.
public struct Diagnosis: Sendable, Hashable, Codable {
    /// The domain's traffic counters as seen from the guest: `tx` is what the guest sent.
    public struct Interface: Sendable, Hashable, Codable {
        /// The host-side device (`vnet0`) while the domain runs.
        public var device: String?
        /// The libvirt network the NIC is on, if it is on one.
        public var network: String?
        public var stats: InterfaceStats?
        /// Why ``stats`` could not be read.
        public var statsError: String?

        public init(
            device: String? = nil, network: String? = nil, stats: InterfaceStats? = nil, statsError: String? = nil
        ) {
            self.device = device
            self.network = network
            self.stats = stats
            self.statsError = statsError
        }
    }

    /// The cloud-init seed as the live domain has it.
    public struct Seed: Sendable, Hashable, Codable {
        /// Whether a CD-ROM with a source file is attached.
        public var attached: Bool
        /// That CD-ROM's file.
        public var path: String?
        /// The seed the sandbox should have, when the caller said.
        public var expectedPath: String?
        /// `instance-id` from the plain `meta-data` file next to the seed.
        public var instanceID: String?
        /// The plain `network-config` file next to the seed (at most 4 KiB).
        public var networkConfig: String?

        public init(
            attached: Bool, path: String? = nil, expectedPath: String? = nil, instanceID: String? = nil,
            networkConfig: String? = nil
        ) {
            self.attached = attached
            self.path = path
            self.expectedPath = expectedPath
            self.instanceID = instanceID
            self.networkConfig = networkConfig
        }

        /// Whether the attached seed is the expected one; nil when no path was expected.
        public var isExpected: Bool? {
            guard let expectedPath else { return nil }
            return attached && path == expectedPath
        }
    }

    /// Whether the guest agent answered `guest-ping`.
    public enum Agent: Sendable, Hashable, Codable {
        case responding
        /// Not configured, not connected or not offered by the driver.
        case unavailable(String)
        /// Asking failed otherwise.
        case failed(String)
        /// Not asked (the domain is not running).
        case notChecked
    }

    public var domain: String
    public var mac: MACAddress
    /// nil when the domain does not exist (or its state could not be read; see ``stateError``).
    public var state: DomainState?
    public var stateError: String?
    public var interface: Interface
    public var seed: Seed
    /// The network's leases for the MAC, newest first, expired ones included (see
    /// ``currentLeaseCount``); nil when they could not be read (``leasesError``).
    public var leases: [NetworkDHCPLease]?
    /// How many of ``leases`` had not expired when they were read.
    public var currentLeaseCount: Int
    public var leasesError: String?
    /// What each address source answered.
    public var sources: [SourceReport]
    public var agent: Agent
    /// The last lines of the serial console log; nil when there is none or it is unreadable
    /// (``consoleError``).
    public var consoleTail: [String]?
    public var consoleLogPath: String?
    public var consoleError: String?
    /// The NIC's libvirt network: running, its DHCP ranges, its dnsmasq (nil when the NIC is on no
    /// libvirt network).
    public var networkHealth: NetworkHealth?
    /// The host around the sandbox: CPUs, memory, domains, disk, MAC collisions (set by
    /// ``SandboxManager/diagnose(_:)``, which knows the job folder; nil from ``Diagnoser`` alone).
    public var host: HostResources?
    public var verdict: Verdict

    public init(
        domain: String, mac: MACAddress, state: DomainState?, stateError: String? = nil, interface: Interface,
        seed: Seed,
        leases: [NetworkDHCPLease]?, currentLeaseCount: Int, leasesError: String? = nil, sources: [SourceReport],
        agent: Agent, consoleTail: [String]?, consoleLogPath: String? = nil, consoleError: String? = nil,
        verdict: Verdict
    ) {
        self.domain = domain
        self.mac = mac
        self.state = state
        self.stateError = stateError
        self.interface = interface
        self.seed = seed
        self.leases = leases
        self.currentLeaseCount = currentLeaseCount
        self.leasesError = leasesError
        self.sources = sources
        self.agent = agent
        self.consoleTail = consoleTail
        self.consoleLogPath = consoleLogPath
        self.consoleError = consoleError
        self.verdict = verdict
    }

    /// The addresses the sources found (network leases excluded), best first.
    public var domainAddresses: [DiscoveredAddress] {
        sources.filter { $0.source != .networkLeases }.flatMap(\.addresses)
    }

    /// A multi-line report for people.
    public var report: String {
        var lines = ["verdict: \(verdict.stage.rawValue): \(verdict.hint)"]
        lines.append("domain \(domain): \(state.map { "\($0)" } ?? "unknown (\(stateError ?? "missing"))")")
        var nic = "nic \(mac)"
        if let device = interface.device { nic += " (\(device))" }
        if let network = interface.network { nic += " on network \(network)" }
        if let stats = interface.stats {
            nic +=
                ": rx \(stats.rxPackets) packets/\(stats.rxBytes) bytes, tx \(stats.txPackets) packets/\(stats.txBytes) bytes"
        } else if let error = interface.statsError {
            nic += ": no counters (\(error))"
        }
        lines.append(nic)
        if seed.attached {
            var text = "seed: \(seed.path ?? "?")"
            if seed.isExpected == false { text += " (expected \(seed.expectedPath ?? "?"))" }
            if let id = seed.instanceID { text += ", instance-id \(id)" }
            text += seed.networkConfig == nil ? ", no network-config file" : ", network-config present"
            lines.append(text)
        } else {
            lines.append("seed: none attached")
        }
        if let leases {
            lines.append(
                "leases: \(currentLeaseCount) current"
                    + (leases.isEmpty
                        ? ""
                        : " (" + leases.map { "\($0.ipAddress) expires \($0.expiryTime)" }.joined(separator: ", ") + ")")
            )
        } else {
            lines.append("leases: unknown (\(leasesError ?? "not read"))")
        }
        if let host { lines.append(host.summary) }
        if let health = networkHealth {
            var text = "network \(health.network): "
            switch health.active {
            case nil: text += "unknown (\(health.error ?? "not read"))"
            case false?: text += "NOT running"
            case true?:
                text +=
                    "running, DHCP " + (health.dhcpRanges.isEmpty ? "none" : health.dhcpRanges.joined(separator: ", "))
                text += health.dnsmasqPID.map { ", dnsmasq pid \($0)" } ?? ", no dnsmasq visible on this machine"
            }
            lines.append(text)
        }
        for source in sources { lines.append("source \(source)") }
        switch agent {
        case .responding: lines.append("agent: responding")
        case .unavailable(let why): lines.append("agent: unavailable (\(why))")
        case .failed(let why): lines.append("agent: failed (\(why))")
        case .notChecked: lines.append("agent: not checked")
        }
        if let consoleTail {
            lines.append("console (\(consoleLogPath ?? "?")), last \(consoleTail.count) lines:")
            lines.append(contentsOf: consoleTail.map { "  | " + $0 })
        } else if let consoleError {
            lines.append("console: \(consoleError)")
        }
        return lines.joined(separator: "\n")
    }
}

/// The stage at which a sandbox's way to an IP address stalled, and what to check.
public struct Verdict: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The stages in the order a sandbox passes them.
    public enum Stage: String, Sendable, Hashable, Codable, CaseIterable {
        /// The domain could not be inspected (for instance, the connection is closed).
        case unknown
        /// The domain does not exist (any more).
        case domainMissing = "domain-missing"
        /// The domain is shut off, crashed, paused …
        case notRunning = "not-running"
        /// No CD-ROM with a seed is attached: cloud-init finds no data source.
        case noSeed = "no-seed"
        /// The attached seed is not the sandbox's own (a re-used base seed repeats the base's
        /// instance-id, so cloud-init skips network configuration).
        case foreignSeed = "foreign-seed"
        /// The guest has sent nothing on the NIC.
        case noPackets = "no-packets"
        /// The guest sends packets but has no DHCP lease.
        case noLease = "no-lease"
        /// The network has a lease for the MAC but the domain's address query does not show it.
        case addressQueryEmpty = "address-query-empty"
        /// The guest sends packets; no source reports an address and the leases are unknown.
        case noAddress = "no-address"
        /// An address is known.
        case addressFound = "address-found"
    }

    public var stage: Stage
    /// What this means and what to check, for people.
    public var hint: String

    public init(stage: Stage, hint: String) {
        self.stage = stage
        self.hint = hint
    }

    public var description: String { "\(stage.rawValue): \(hint)" }

    /// What the verdict is drawn from; every field is one observation of ``Diagnoser``.
    public struct Inputs: Sendable, Hashable {
        /// nil when the domain does not exist or its state could not be read.
        public var state: DomainState?
        /// Why the state could not be read, when the domain may well exist.
        public var stateError: String?
        public var seedAttached: Bool
        /// Whether the attached seed is the expected one; nil when unknown.
        public var seedIsExpected: Bool?
        /// Packets the guest sent on the NIC; nil when the counters are unknown.
        public var txPackets: Int64?
        /// The NIC's libvirt network, for the hint.
        public var network: String?
        /// Current (unexpired) leases for the MAC; nil when the leases could not be read.
        public var currentLeases: Int?
        /// The first lease's address, for the hint.
        public var leaseAddress: String?
        /// Addresses found by the domain's own queries (lease, agent, ARP).
        public var addresses: [String]
        /// Whether the serial console log has any output; nil when there is no readable log.
        public var consoleHasOutput: Bool?

        public init(
            state: DomainState?, stateError: String? = nil, seedAttached: Bool, seedIsExpected: Bool? = nil,
            txPackets: Int64?, network: String? = nil, currentLeases: Int?, leaseAddress: String? = nil,
            addresses: [String], consoleHasOutput: Bool? = nil
        ) {
            self.state = state
            self.stateError = stateError
            self.seedAttached = seedAttached
            self.seedIsExpected = seedIsExpected
            self.txPackets = txPackets
            self.network = network
            self.currentLeases = currentLeases
            self.leaseAddress = leaseAddress
            self.addresses = addresses
            self.consoleHasOutput = consoleHasOutput
        }
    }

    /// The verdict for `inputs`. Pure; the checks run in the order a guest passes the stages:
    ///
    /// 1. state unreadable → ``Stage/unknown``; no domain → ``Stage/domainMissing``; shut off,
    ///    paused, crashed … → ``Stage/notRunning`` (running and blocked count as running)
    /// 2. an address found → ``Stage/addressFound`` (whatever else looks odd)
    /// 3. no seed → ``Stage/noSeed``; a seed other than the expected one → ``Stage/foreignSeed``
    /// 4. no packets sent → ``Stage/noPackets`` (the console output tells "not booted" from "no
    ///    network config")
    /// 5. no current lease → ``Stage/noLease``; a lease → ``Stage/addressQueryEmpty``; leases
    ///    unknown → ``Stage/noAddress``
    public static func judge(_ inputs: Inputs) -> Verdict {
        guard let state = inputs.state else {
            if let error = inputs.stateError {
                return Verdict(stage: .unknown, hint: "the domain could not be inspected: \(error)")
            }
            return Verdict(stage: .domainMissing, hint: "the domain does not exist")
        }
        switch state {
        case .running, .blocked:
            break
        case .paused:
            return Verdict(stage: .notRunning, hint: "domain is paused: resume it to let the guest boot")
        case .crashed:
            return Verdict(stage: .notRunning, hint: "domain is crashed: see the console log and the QEMU log")
        default:
            return Verdict(stage: .notRunning, hint: "domain is \(state)")
        }
        if let address = inputs.addresses.first {
            return Verdict(stage: .addressFound, hint: "address found: \(address)")
        }
        guard inputs.seedAttached else {
            return Verdict(
                stage: .noSeed, hint: "no cloud-init seed attached: the guest gets no instance-id and no network config"
            )
        }
        if inputs.seedIsExpected == false {
            return Verdict(
                stage: .foreignSeed,
                hint:
                    "the attached seed is not the sandbox's own: a re-used seed repeats its instance-id, so cloud-init skips network setup"
            )
        }
        let network = inputs.network.map { "network \($0)" } ?? "the sandbox's network"
        if inputs.txPackets == 0 {
            let hint =
                switch inputs.consoleHasOutput {
                case false?:
                    "guest sent no packets and wrote nothing to the serial console: it has not booted (kernel, firmware, disk?)"
                case true?:
                    "guest sent no packets: it booted (the console has output) but has no network config for this NIC (instance-id reused?)"
                case nil:
                    "guest sent no packets: it has not booted or has no network config for this NIC (instance-id reused?)"
                }
            return Verdict(stage: .noPackets, hint: hint)
        }
        let sent = inputs.txPackets == nil ? "" : "packets sent but "
        switch inputs.currentLeases {
        case 0?:
            return Verdict(stage: .noLease, hint: "\(sent)no lease: is DHCP running on \(network)?")
        case let count? where count > 0:
            let lease = inputs.leaseAddress.map { " (\($0))" } ?? ""
            return Verdict(
                stage: .addressQueryEmpty,
                hint:
                    "lease exists\(lease) but the domain's address query is empty: ask the network's leases (source 'leases')"
            )
        default:
            return Verdict(
                stage: .noAddress,
                hint: "\(sent)no source reports an address and the leases of \(network) cannot be read")
        }
    }
}

import Foundation

/// Gathers a ``Diagnosis`` of one sandbox NIC through a ``DomainManager`` and the sandbox's files.
///
/// It reads the domain's state and live XML, the NIC's traffic counters, the attached seed and the
/// plain `meta-data` / `network-config` files next to it, the network's leases for the MAC and its
/// health (running, DHCP ranges, dnsmasq: ``NetworkHealth``), what
/// every address source answers, whether the guest agent answers `guest-ping`, and the end of the
/// serial console log. Nothing it reads is changed. Failures become fields of the diagnosis; it
/// never throws. A value type; safe to share between tasks.
public struct Diagnoser: Sendable {
    public var domains: any DomainManager
    /// How long the guest agent may take to answer `guest-ping`. On ``LibvirtConnection`` the
    /// connection is busy for up to this long when the agent is connected but hung.
    public var agentTimeoutSeconds: Int
    /// How many lines of the console log to keep.
    public var consoleLineCount: Int
    /// The address sources to ask, in order.
    public var sources: [DiscoverySource]
    /// The current time in seconds since the Unix epoch, for lease expiry; replaceable in tests.
    public var now: @Sendable () -> Int64

    public init(
        domains: any DomainManager, agentTimeoutSeconds: Int = 2, consoleLineCount: Int = 20,
        sources: [DiscoverySource] = DiscoverySource.defaultOrder,
        now: @escaping @Sendable () -> Int64 = LeaseSelection.wallClockNow
    ) {
        self.domains = domains
        self.agentTimeoutSeconds = agentTimeoutSeconds
        self.consoleLineCount = consoleLineCount
        self.sources = sources
        self.now = now
    }

    /// The plain seed files the diagnosis reads next to the seed ISO (NoCloud's names; a
    /// ConfigDrive seed's are ``SeedFiles/fileNames(_:)`` of ``SeedFormat/configDrive``).
    public enum SeedFile {
        public static let metaData = SeedFiles.fileNames(.noCloud).metaData
        public static let networkConfig = SeedFiles.fileNames(.noCloud).networkConfig
    }

    /// Diagnoses the NIC with `mac` of domain `domain`.
    ///
    /// - Parameters:
    ///   - network: the NIC's libvirt network; nil reads it from the live XML.
    ///   - seedPath: the seed ISO the sandbox should have; nil takes the first attached CD-ROM. Its
    ///     folder is searched for the plain `meta-data` and `network-config` files.
    ///   - consoleLogPath: the serial console log; nil takes the first `<log file>` of the live XML.
    public func diagnose(
        domain: String, mac: MACAddress, network: String? = nil, seedPath: String? = nil, consoleLogPath: String? = nil
    ) async -> Diagnosis {
        // State.
        var state: DomainState?
        var stateError: String?
        do {
            state = try await domains.state(named: domain)
        } catch  where error.code == .notFound {
            state = nil
        } catch {
            stateError = error.message
        }
        let running = state == .running || state == .blocked || state == .paused

        // Live XML: the NIC, the seed, the console log.
        var facts: DomainDescription?
        if state != nil, let xml = try? await domains.domainXML(named: domain, inactive: false, secure: false) {
            facts = DomainDescription(xml: xml)
        }
        let nic = facts?.interface(mac: mac)
        let networkName = network ?? nic?.network
        var interface = Diagnosis.Interface(device: nic?.targetDevice, network: networkName)
        if running {
            do {
                interface.stats = try await domains.interfaceStats(
                    named: domain, device: nic?.targetDevice ?? mac.description)
            } catch {
                interface.statsError = error.message
            }
        } else {
            interface.statsError = state == nil ? "no domain" : "the domain is not running"
        }
        if facts != nil, nic == nil, interface.stats == nil {
            interface.statsError = "the domain has no NIC with MAC \(mac)"
        }

        let seed = Self.seed(attached: facts?.cdromFiles ?? [], expected: seedPath)

        // Leases.
        var leases: [NetworkDHCPLease]?
        var currentLeases: [NetworkDHCPLease] = []
        var leasesError: String?
        if let networkName {
            do {
                let all = try await domains.networkDHCPLeases(network: networkName, mac: mac.description)
                let mine = all.filter { AddressSelection.sameMAC($0.mac, mac) }
                leases = mine.sorted {
                    ($0.expiryTime == 0 ? .max : $0.expiryTime) > ($1.expiryTime == 0 ? .max : $1.expiryTime)
                }
                currentLeases = LeaseSelection.current(mine, mac: mac, now: now())
            } catch {
                leasesError = error.message
            }
        } else {
            leasesError = nic == nil ? "the NIC is unknown" : "the NIC is not on a libvirt network"
        }

        // Address sources and agent.
        var reports: [SourceReport] = []
        var agent = Diagnosis.Agent.notChecked
        if running {
            reports = await CompositeDiscoverer(domains: domains, order: sources, network: networkName)
                .probe(domain: domain, mac: mac)
            do {
                _ = try await domains.agentCommand(
                    named: domain, command: #"{"execute":"guest-ping"}"#, timeoutSeconds: agentTimeoutSeconds)
                agent = .responding
            } catch  where error.isSourceUnavailable {
                agent = .unavailable(error.message)
            } catch {
                agent = .failed(error.message)
            }
        }

        // Console.
        let logPath = consoleLogPath ?? facts?.consoleLogFiles.first
        var consoleTail: [String]?
        var consoleHasOutput: Bool?
        var consoleError: String?
        if let logPath {
            switch Self.tail(of: logPath, lines: consoleLineCount) {
            case .success(let (lines, hasOutput)):
                consoleTail = lines
                consoleHasOutput = hasOutput
            case .failure(let error):
                consoleError = error.message
            }
        } else {
            consoleError = "no serial console log configured"
        }

        let domainAddresses = reports.filter { $0.source != .networkLeases }.flatMap(\.addresses).map(\.address)
        let verdict = Verdict.judge(
            Verdict.Inputs(
                state: state, stateError: stateError, seedAttached: seed.attached, seedIsExpected: seed.isExpected,
                txPackets: interface.stats.flatMap { $0.txPackets >= 0 ? $0.txPackets : nil }, network: networkName,
                currentLeases: leases == nil ? nil : currentLeases.count, leaseAddress: currentLeases.first?.ipAddress,
                addresses: domainAddresses, consoleHasOutput: consoleHasOutput))
        var diagnosis = Diagnosis(
            domain: domain, mac: mac, state: state, stateError: stateError, interface: interface, seed: seed,
            leases: leases, currentLeaseCount: currentLeases.count, leasesError: leasesError, sources: reports,
            agent: agent, consoleTail: consoleTail, consoleLogPath: logPath, consoleError: consoleError,
            verdict: verdict)
        if let networkName {
            diagnosis.networkHealth = await NetworkHealth.check(network: networkName, domains: domains)
        }
        return diagnosis
    }

    // MARK: - Files

    /// The seed among the attached CD-ROM files and what the plain files next to it say.
    static func seed(attached files: [String], expected: String?) -> Diagnosis.Seed {
        let path = expected.flatMap { files.contains($0) ? $0 : nil } ?? files.first
        var seed = Diagnosis.Seed(attached: path != nil, path: path, expectedPath: expected)
        guard let folderOf = expected ?? path else { return seed }
        let folder = (folderOf as NSString).deletingLastPathComponent
        // The plain files of whichever format the seed was written in: NoCloud, else ConfigDrive.
        for format in SeedFormat.allCases {
            let names = SeedFiles.fileNames(format)
            guard let metaData = readSmallFile(folder + "/" + names.metaData) else { continue }
            seed.instanceID =
                format == .noCloud ? instanceID(inMetaData: metaData) : instanceID(inConfigDriveMetaData: metaData)
            seed.networkConfig = readSmallFile(folder + "/" + names.networkConfig)
            return seed
        }
        seed.networkConfig = readSmallFile(folder + "/" + SeedFile.networkConfig)
        return seed
    }

    /// The instance-id of a ConfigDrive `meta_data.json`: its `uuid` (cloud-init reads it there).
    static func instanceID(inConfigDriveMetaData text: String) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            return nil
        }
        return object["uuid"] as? String
    }

    /// The `instance-id` value of a NoCloud `meta-data` file (a flat YAML mapping), unquoted.
    static func instanceID(inMetaData text: String) -> String? {
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("instance-id:") else { continue }
            var value = trimmed.dropFirst("instance-id:".count).trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            return value
        }
        return nil
    }

    /// At most `limit` bytes of the file at `path`, as text; nil when it cannot be read.
    static func readSmallFile(_ path: String, limit: Int = 4096) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: limit) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// The last `lines` lines of the log at `path` (control characters removed) and whether it
    /// has any visible output at all.
    static func tail(of path: String, lines count: Int, window: UInt64 = 64 * 1024)
        -> Result<(lines: [String], hasOutput: Bool), SandboxError>
    {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read" : "does not exist"
            return .failure(SandboxError(.io, "console log \(path) \(reason)"))
        }
        defer { try? handle.close() }
        do {
            let size = try handle.seekToEnd()
            try handle.seek(toOffset: size > window ? size - window : 0)
            let data = try handle.readToEnd() ?? Data()
            let text = printable(String(decoding: data, as: UTF8.self))
            var all = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if size > window, !all.isEmpty { all.removeFirst() }  // a partial line
            while let last = all.last, last.trimmingCharacters(in: .whitespaces).isEmpty { all.removeLast() }
            let hasOutput = all.contains { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            return .success((Array(all.suffix(max(count, 0))), hasOutput))
        } catch {
            return .failure(SandboxError(.io, "cannot read console log \(path): \(error.localizedDescription)"))
        }
    }

    /// `text` without terminal escape sequences (CSI `ESC [ … final`, and other `ESC x` pairs) and
    /// control characters other than newline and tab.
    static func printable(_ text: String) -> String {
        var result = String.UnicodeScalarView()
        var scalars = text.unicodeScalars.makeIterator()
        while let scalar = scalars.next() {
            if scalar == "\u{1B}" {
                guard let next = scalars.next() else { break }
                if next == "[" {
                    // Parameters and intermediates, up to the final byte @…~.
                    while let byte = scalars.next(), !(0x40...0x7E).contains(byte.value) {}
                }
                continue
            }
            if scalar == "\n" || scalar == "\t" || (scalar.value >= 0x20 && scalar.value != 0x7F) {
                result.append(scalar)
            }
        }
        return String(result)
    }
}

/// What booting one throwaway clone of a base VM showed: whether cloud-init ran and with which
/// datasource and network renderer, whether the image carries network configuration bound to
/// another NIC's MAC, and how long the clone took from create to address.
public struct BaseProbeReport: Sendable, Hashable, Codable {
    /// A network configuration file in the clone that names a MAC other than the clone's NIC's.
    public struct MACBoundFile: Sendable, Hashable, Codable {
        public var path: String
        public var mac: String
    }

    public var base: String
    /// The throwaway clone (destroyed again).
    public var sandbox: String
    /// From the create call to the clone's address being known.
    public var createToIPSeconds: Double
    public var ipAddress: String?
    /// cloud-init's `result.json`: nil when cloud-init never finished.
    public var cloudInit: CloudInitResult?
    /// `netplan`, `eni`, `networkd`, `sysconfig`, `network-manager` … as cloud-init's log names it.
    public var renderer: String?
    /// Instance ids cloud-init has seen on this disk besides the clone's: the base was booted with
    /// cloud-init before it became a base.
    public var earlierInstanceIDs: [String]
    public var macBoundFiles: [MACBoundFile]
    /// The expected boot time stored on the base (seconds), when the probe stored one.
    public var storedExpectedBootSeconds: Int?
    public var findings: [PreflightReport.Finding]

    /// The probe's shell script, run in the clone through the guest agent. One `key=value` per line.
    static let script = """
        r=$(grep -o "Selected renderer '[^']*'" /var/log/cloud-init.log 2>/dev/null | tail -n 1 | cut -d"'" -f2)
        echo "renderer=$r"
        for d in /var/lib/cloud/instances/*/; do [ -d "$d" ] && echo "instance=$(basename "$d")"; done
        for f in /etc/netplan/*.yaml /etc/network/interfaces /etc/network/interfaces.d/* \\
            /etc/systemd/network/*.network /etc/systemd/network/*.link /etc/udev/rules.d/*persistent-net*.rules \\
            /etc/NetworkManager/system-connections/*; do
            [ -f "$f" ] || continue
            for m in $(grep -oiE '([0-9a-f]{2}:){5}[0-9a-f]{2}' "$f" | tr 'A-F' 'a-f' | sort -u); do echo "mac=$m $f"; done
        done
        """

    /// The facts in the script's output, for the clone `sandbox` whose NIC MACs are `macs`.
    static func parse(_ output: String, sandbox: String, macs: Set<MACAddress>) -> (
        renderer: String?, earlier: [String], macBound: [MACBoundFile]
    ) {
        var renderer: String?
        var earlier: [String] = []
        var macBound: [MACBoundFile] = []
        for line in output.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { continue }
            let value = String(parts[1])
            switch parts[0] {
            case "renderer": renderer = value.isEmpty ? nil : value
            case "instance" where value != sandbox: earlier.append(value)
            case "mac":
                let fields = value.split(separator: " ", maxSplits: 1)
                guard fields.count == 2, let mac = MACAddress(String(fields[0])), !macs.contains(mac) else { continue }
                macBound.append(MACBoundFile(path: String(fields[1]), mac: mac.description))
            default: continue
            }
        }
        return (renderer, earlier.sorted(), macBound)
    }

    /// Findings with severities and fixes.
    static func findings(
        cloudInit: CloudInitResult?, renderer: String?, earlier: [String], macBound: [MACBoundFile],
        createToIPSeconds: Double, agentAnswered: Bool
    ) -> [PreflightReport.Finding] {
        var findings: [PreflightReport.Finding] = []
        func add(_ check: String, _ severity: PreflightReport.Finding.Severity, _ message: String, fix: String? = nil) {
            findings.append(.init(check: check, severity: severity, message: message, fix: fix))
        }
        add(
            "probe-boot", .info,
            String(format: "a clone had its address %.1f s after the create call", createToIPSeconds))
        if !agentAnswered {
            add(
                "probe-agent", .warning,
                "the clone's guest agent never answered: cloud-init and the image were not inspected",
                fix: "install and enable qemu-guest-agent in the base")
            return findings
        }
        switch cloudInit {
        case nil:
            add(
                "cloud-init", .error, "cloud-init did not finish in the clone (no /run/cloud-init/result.json)",
                fix: "install cloud-init in the base and enable its services")
        case let result? where !result.succeeded:
            add(
                "cloud-init", .warning, "cloud-init finished with errors: \(result.errors.joined(separator: "; "))",
                fix: "see /var/log/cloud-init.log in a clone")
        case let result?:
            add("cloud-init", .info, "cloud-init finished without errors")
            let datasource = result.datasource ?? "?"
            if datasource.contains("NoCloud") || datasource.contains("ConfigDrive") {
                add("datasource", .info, "datasource \(datasource)")
            } else {
                add(
                    "datasource", .error, "cloud-init used \(datasource), not the sandbox's seed",
                    fix: "put NoCloud (or ConfigDrive with seedFormat .configDrive) in the base's datasource_list")
            }
        }
        if let renderer {
            add("renderer", .info, "cloud-init renders the network with \(renderer)")
        } else {
            add(
                "renderer", .warning, "cloud-init's log names no network renderer", fix: "check /var/log/cloud-init.log"
            )
        }
        if !earlier.isEmpty {
            add(
                "earlier-instances", .info,
                "the base booted with cloud-init before (instance \(earlier.joined(separator: ", "))); clones get a new instance-id, so cloud-init sets them up afresh",
                fix: "run `cloud-init clean --logs` in the base before shutting it down for good")
        }
        for file in macBound {
            add(
                "mac-bound-config", .warning,
                "\(file.path) is bound to MAC \(file.mac), which is not the clone's: cloud-init does not replace that file, and a NIC it names never appears in a clone",
                fix: "remove \(file.path) from the base (or match by driver/name instead of MAC)")
        }
        return findings
    }
}

import Foundation
import Logging

extension SandboxManager {
    // MARK: Destroy and list

    /// Stops (cleanly first, see ``Configuration/gracefulShutdownTimeout``) and undefines the
    /// sandbox and removes its job folder. Idempotent: a sandbox that is already gone is not an
    /// error. Refuses domains SandboxCore does not own.
    public func destroy(_ name: SandboxName) async throws(SandboxError) {
        do {
            try await destroyOwned(name)
            metrics.destroyed(ok: true)
        } catch {
            metrics.destroyed(ok: false)
            throw error
        }
    }

    func destroyOwned(_ name: SandboxName) async throws(SandboxError) {
        cloudInitCounted.remove(name.value)
        knownTargets[name.value] = nil
        let jobDirectory = configuration.jobsRoot + "/" + name.value
        // One read: the persistent XML holds the metadata and the NICs.
        let xml: String?
        do {
            xml = try await domains.domainXML(named: name.value, inactive: true, secure: false)
        } catch  where error.code == .notFound {
            xml = nil
        }
        if let xml {
            guard let domain = DomainDescription(xml: xml), let metadata = domain.sandbox else {
                throw SandboxError(
                    .invalidArgument, "domain \(name) is not a sandbox made by SandboxCore; refusing to destroy it")
            }
            // The metadata can be rewritten by anyone with access to libvirt: a job folder it
            // names anywhere but `<jobsRoot>/<name>` is never removed (as root, that could be any
            // folder of the host).
            if let job = metadata.jobDirectory, job != jobDirectory {
                logger.warning(
                    "the sandbox's metadata names a job folder outside the jobs root; leaving it alone",
                    metadata: ["sandbox": "\(name)", "job": "\(job)", "jobsRoot": "\(configuration.jobsRoot)"])
            }
            await shutDownCleanly(name, nics: domain.networkNICs)
            try await domains.destroy(named: name.value)
            do {
                try await domains.undefine(named: name.value)
            } catch  where error.code == .notFound {
                // Gone meanwhile (a transient domain, or another destroy): fine.
            }
            await removeDHCPHosts(of: domain)
        }
        if FileManager.default.fileExists(atPath: jobDirectory) {
            do {
                try FileManager.default.removeItem(atPath: jobDirectory)
            } catch {
                throw SandboxError(.io, "cannot remove job folder \(jobDirectory): \(error.localizedDescription)")
            }
        }
        logger.info("destroyed", metadata: ["sandbox": "\(name)"])
    }

    /// Lets a running sandbox give back its DHCP lease through the guest agent; without an agent,
    /// asks it to power off and waits for it to stop; all within the configured time, in all.
    ///
    /// A guest that merely powers off keeps its lease in the network's table until it expires
    /// (systemd-networkd does not release on shutdown). So, when the guest agent answers, the
    /// guest first releases its leases (see ``releaseLeasesScript``). The agent's part runs in a
    /// task of its own that destroy stops waiting for at the deadline: the guest decides how long
    /// its agent takes (it may have frozen it), so destroy must not wait on it beyond its budget.
    /// The task ends by itself once the domain is destroyed (its agent calls then fail at once).
    /// After a release, the domain lives until the networks in `nics` (MACs by network) no longer
    /// list its leases (see ``releaseSettleTime``): a release still in QEMU's queue is lost when
    /// the plug is pulled.
    func shutDownCleanly(_ name: SandboxName, nics: [String: Set<MACAddress>]) async {
        let timeout = configuration.gracefulShutdownTimeout
        guard timeout > .zero, (try? await domains.state(named: name.value)) == .running else { return }
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        let released = await waitAtMost(until: deadline) { [domains, logger] in
            await Self.releaseLeases(of: name, domains: domains, until: deadline, logger: logger)
        }
        switch released {
        case true?:
            // Leases are back (once the network has seen them); a disposable guest's disk needs
            // no clean shutdown.
            await waitForLeasesToGo(of: name, nics: nics, until: min(deadline, clock.now + Self.releaseSettleTime))
            return
        case nil:
            logger.info(
                "the guest agent did not release the leases in time; destroying", metadata: ["sandbox": "\(name)"])
            return
        case false?:
            break
        }
        guard clock.now < deadline else { return }
        // No agent: a clean shutdown at least lets ifupdown guests release (ifdown -a).
        do {
            try await domains.shutdown(named: name.value)
        } catch {
            logger.debug("clean shutdown refused", metadata: ["sandbox": "\(name)", "error": "\(error)"])
            return
        }
        while clock.now < deadline, !Task.isCancelled {
            guard let state = try? await domains.state(named: name.value), state != .shutOff else { return }
            try? await Task.sleep(for: .milliseconds(100))
        }
        logger.info("sandbox did not shut down in time; destroying it", metadata: ["sandbox": "\(name)"])
    }

    /// The longest destroy waits, after the guest released its leases, for its networks to drop
    /// them. On a loaded host an emulated guest's DHCPRELEASE can take a while to leave QEMU.
    static let releaseSettleTime: Duration = .seconds(5)

    /// Polls the networks' lease tables until none lists a MAC of `nics`, or until `deadline`
    /// (then logs what is left: those leases stay until they expire). A network whose leases
    /// cannot be read is not waited for.
    func waitForLeasesToGo(
        of name: SandboxName, nics: [String: Set<MACAddress>], until deadline: ContinuousClock.Instant
    ) async {
        let clock = ContinuousClock()
        var left: [String] = []
        repeat {
            left = []
            for (network, macs) in nics {
                guard let leases = try? await domains.networkDHCPLeases(network: network, mac: nil) else { continue }
                left += leases.filter { lease in MACAddress(lease.mac).map(macs.contains) ?? false }
                    .map { "\(network): \($0.ipAddress) (\($0.mac))" }
            }
            if left.isEmpty || Task.isCancelled { return }
            try? await Task.sleep(for: .milliseconds(100))
        } while clock.now < deadline
        logger.info(
            "the guest released its leases, but its network still lists them; they stay until they expire",
            metadata: ["sandbox": "\(name)", "leases": "\(left.sorted())"])
    }

    /// Pings the guest agent (up to three times while time is left: a busy emulated guest can
    /// take seconds to answer) and, when it answers, runs ``releaseLeasesScript`` with the time
    /// left. Whether the leases were released.
    static func releaseLeases(
        of name: SandboxName, domains: any DomainManager, until deadline: ContinuousClock.Instant, logger: Logger
    ) async -> Bool {
        let clock = ContinuousClock()
        let agent = GuestAgentClient(domains: domains, domain: name.value)
        var answers = false
        for _ in 0..<3 where !answers && clock.now < deadline {
            let left = Int((deadline - clock.now).components.seconds) + 1
            answers = await agent.ping(timeoutSeconds: min(5, left))
        }
        guard answers, clock.now < deadline else { return false }
        do {
            _ = try await agent.exec("/bin/sh", ["-c", releaseLeasesScript], timeout: deadline - clock.now)
            return true
        } catch {
            logger.debug("releasing leases failed", metadata: ["sandbox": "\(name)", "error": "\(error)"])
            return false
        }
    }

    /// Sends DHCPRELEASE for the guest's leases. systemd-networkd does not release on shutdown
    /// or `networkctl down`, so for each of its lease files a few lines of Python (cloud-init
    /// guests have it) send the release to the server; ifupdown guests release with `ifdown`
    /// (dhclient -r).
    static let releaseLeasesScript = """
        for lease in /run/systemd/netif/leases/*; do
          [ -f "$lease" ] || continue
          python3 - "$lease" <<'PY' || true
        import os, socket, sys
        kv = dict(l.strip().split("=", 1) for l in open(sys.argv[1]) if "=" in l and not l.startswith("#"))
        ip, server, cid = kv["ADDRESS"], kv["SERVER_ADDRESS"], bytes.fromhex(kv.get("CLIENTID", ""))
        mac = cid[1:7] if len(cid) == 7 else bytes(6)
        packet = bytes([1, 1, 6, 0]) + os.urandom(4) + bytes(4) + socket.inet_aton(ip) + bytes(12) + mac + bytes(202)
        packet += bytes([99, 130, 83, 99, 53, 1, 7, 54, 4]) + socket.inet_aton(server)
        if cid:
            packet += bytes([61, len(cid)]) + cid
        packet += bytes([255])
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind((ip, 0))
        sock.sendto(packet, (server, 67))
        PY
        done
        if command -v ifdown >/dev/null 2>&1; then
          for nic in $(ls /sys/class/net); do [ "$nic" = lo ] || ifdown "$nic" 2>/dev/null; done
        fi
        true
        """
}

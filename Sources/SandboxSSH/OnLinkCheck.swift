import Foundation
import SandboxCore

/// Whether an address is on a network this host is attached to (a route without a gateway), or
/// loopback. A sandbox's address always is: it sits on the host's bridge. SSH refuses any other,
/// so neither a guest that reports a made-up address through its agent nor a wrong lookup can
/// turn the service into a client of some other machine on port 22 (or send private-address
/// traffic out through the default route).
enum OnLinkCheck {
    /// `.sshUnavailable` unless `host` is an IP literal on a directly attached network or loopback.
    static func require(_ host: String, routes: RouteTables = .current()) throws(SandboxError) {
        guard let bytes = ipBytes(host) else {
            throw SandboxError(
                .invalidArgument, "SSH needs the sandbox's IP address, not \(host.prefix(64).debugDescription)")
        }
        if bytes.count == 4, bytes[0] == 127 { return }
        if bytes == [UInt8](repeating: 0, count: 15) + [1] { return }
        guard routes.isOnLink(bytes) else {
            throw SandboxError(
                .sshUnavailable,
                "\(host) is not on a network this host is attached to (its route goes through a gateway, or "
                    + "there is none); a sandbox's address is on the host's bridge, so SSH does not go there")
        }
    }

    static func ipBytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: v6) { Array($0) } }
        return nil
    }

    /// The kernel's IPv4 and IPv6 main routing tables, as `/proc/net/route` and
    /// `/proc/net/ipv6_route` show them.
    struct RouteTables {
        var ipv4: String
        var ipv6: String

        static func current() -> RouteTables {
            RouteTables(
                ipv4: (try? String(contentsOfFile: "/proc/net/route", encoding: .utf8)) ?? "",
                ipv6: (try? String(contentsOfFile: "/proc/net/ipv6_route", encoding: .utf8)) ?? "")
        }

        private static let up = 0x1
        private static let gateway = 0x2
        private static let reject = 0x200

        /// The longest matching route is up, has no gateway and does not reject.
        func isOnLink(_ address: [UInt8]) -> Bool {
            var best: (prefix: Int, onLink: Bool)?
            if address.count == 4 {
                // Destination, gateway and mask are the address bytes read as a little-endian hex word.
                let target = address.enumerated().reduce(UInt32(0)) {
                    $0 | UInt32($1.element) << (8 * UInt32($1.offset))
                }
                for line in ipv4.split(separator: "\n").dropFirst() {
                    let fields = line.split(whereSeparator: { $0 == "\t" || $0 == " " })
                    guard fields.count >= 8, let destination = UInt32(fields[1], radix: 16),
                        let nextHop = UInt32(fields[2], radix: 16), let flags = Int(fields[3], radix: 16),
                        let mask = UInt32(fields[7], radix: 16), target & mask == destination
                    else { continue }
                    let prefix = mask.nonzeroBitCount
                    if best == nil || prefix > best!.prefix {
                        best = (prefix, Self.onLink(flags: flags, nextHopIsZero: nextHop == 0))
                    }
                }
            } else if address.count == 16 {
                for line in ipv6.split(separator: "\n") {
                    let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                    guard fields.count >= 10, let destination = Self.hexBytes(fields[0]), destination.count == 16,
                        let prefix = Int(fields[1], radix: 16), prefix <= 128, let flags = Int(fields[8], radix: 16),
                        fields[9] != "lo", Self.matches(address, destination, prefix: prefix)
                    else { continue }
                    if best == nil || prefix > best!.prefix {
                        best = (prefix, Self.onLink(flags: flags, nextHopIsZero: fields[4].allSatisfy { $0 == "0" }))
                    }
                }
            }
            return best?.onLink ?? false
        }

        private static func onLink(flags: Int, nextHopIsZero: Bool) -> Bool {
            flags & up != 0 && flags & gateway == 0 && flags & reject == 0 && nextHopIsZero
        }

        private static func hexBytes(_ text: Substring) -> [UInt8]? {
            guard text.count % 2 == 0 else { return nil }
            var bytes: [UInt8] = []
            var index = text.startIndex
            while index < text.endIndex {
                let next = text.index(index, offsetBy: 2)
                guard let byte = UInt8(text[index..<next], radix: 16) else { return nil }
                bytes.append(byte)
                index = next
            }
            return bytes
        }

        private static func matches(_ address: [UInt8], _ network: [UInt8], prefix: Int) -> Bool {
            for bit in 0..<prefix {
                let mask = UInt8(0x80) >> UInt8(bit % 8)
                if address[bit / 8] & mask != network[bit / 8] & mask { return false }
            }
            return true
        }
    }
}

extension SandboxNIC.IPv4 {
    /// `dhcp`, `off`, or `ADDRESS/PREFIX` with an optional gateway (only for a fixed address).
    public init(parsing text: String, gateway: String? = nil) throws(SandboxError) {
        switch text {
        case "dhcp", "off":
            guard gateway == nil else { throw .invalid("an IPv4 gateway needs a fixed IPv4 address") }
            self = text == "dhcp" ? .dhcp : .disabled
        default:
            var via: IPAddress?
            if let gateway { via = try IPAddress(parsing: gateway) }
            self = .fixed(try IPInterfaceAddress(parsing: text), gateway: via)
        }
    }
}

extension SandboxNIC.IPv6 {
    /// `default`, `slaac`, `dhcp`, `off`, or `ADDRESS/PREFIX` with an optional gateway (only for a
    /// fixed address).
    public init(parsing text: String, gateway: String? = nil) throws(SandboxError) {
        let modes: [String: SandboxNIC.IPv6] = [
            "default": .guestDefault, "slaac": .slaac, "dhcp": .dhcp, "off": .disabled,
        ]
        if let mode = modes[text] {
            guard gateway == nil else { throw .invalid("an IPv6 gateway needs a fixed IPv6 address") }
            self = mode
            return
        }
        var via: IPAddress?
        if let gateway { via = try IPAddress(parsing: gateway) }
        self = .fixed(try IPInterfaceAddress(parsing: text), gateway: via)
    }
}

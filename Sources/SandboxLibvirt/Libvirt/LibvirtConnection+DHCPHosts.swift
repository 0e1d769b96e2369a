internal import CLibvirt
import SandboxValues

extension LibvirtConnection {
    public func networkXML(named name: String) throws(SandboxError) -> String {
        let action = "read the XML of network '\(name)'"
        return try withNetwork(named: name, action) { network throws(SandboxError) in
            let xml = try LibvirtError.check(
                virNetworkGetXMLDesc(network, 0), operation: "virNetworkGetXMLDesc", action)
            defer { free(xml) }
            return String(cString: xml)
        }
    }

    public func updateDHCPHost(network name: String, hostXML: String, add: Bool) throws(SandboxError) {
        let action = "\(add ? "add" : "remove") a DHCP host entry of network '\(name)'"
        try withNetwork(named: name, action) { network throws(SandboxError) in
            // The running network's dnsmasq and, for a persistent network, its saved definition.
            var flags: UInt32 = 0
            if try LibvirtError.check(virNetworkIsActive(network), operation: "virNetworkIsActive", action) == 1 {
                flags |= VIR_NETWORK_UPDATE_AFFECT_LIVE.rawValue
            }
            if try LibvirtError.check(virNetworkIsPersistent(network), operation: "virNetworkIsPersistent", action) == 1
            {
                flags |= VIR_NETWORK_UPDATE_AFFECT_CONFIG.rawValue
            }
            let command = add ? VIR_NETWORK_UPDATE_COMMAND_ADD_LAST : VIR_NETWORK_UPDATE_COMMAND_DELETE
            _ = try LibvirtError.check(
                virNetworkUpdate(
                    network, command.rawValue, VIR_NETWORK_SECTION_IP_DHCP_HOST.rawValue, -1, hostXML, flags),
                operation: "virNetworkUpdate", action)
        }
    }
}

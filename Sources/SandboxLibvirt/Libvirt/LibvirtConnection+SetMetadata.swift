internal import CLibvirt
import SandboxValues

extension LibvirtConnection {
    public func setMetadata(named name: String, namespaceURI: String, prefix: String, xml: String?)
        throws(SandboxError)
    {
        let action = "\(xml == nil ? "remove" : "set") metadata \(namespaceURI) of domain '\(name)'"
        try withDomain(named: name, action) { domain throws(SandboxError) in
            // The persistent definition (a base is shut off), or the live one of a transient domain.
            let persistent = try LibvirtError.check(
                virDomainIsPersistent(domain), operation: "virDomainIsPersistent", action)
            let flags = persistent == 1 ? VIR_DOMAIN_AFFECT_CONFIG.rawValue : VIR_DOMAIN_AFFECT_CURRENT.rawValue
            _ = try LibvirtError.check(
                virDomainSetMetadata(
                    domain, Int32(VIR_DOMAIN_METADATA_ELEMENT.rawValue), xml, prefix, namespaceURI, flags),
                operation: "virDomainSetMetadata", action)
        }
    }
}

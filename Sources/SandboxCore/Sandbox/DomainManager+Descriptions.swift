/// The binding hands over libvirt's XML as text; the layers above read it as typed descriptions
/// (``DomainDescription``, ``NetworkDescription``), fetched and parsed here, once per call.
extension DomainIntrospection {
    /// The domain `name`, parsed; `.invalidXML` when libvirt's XML does not parse as a domain.
    package func domainDescription(named name: String, inactive: Bool) async throws(SandboxError)
        -> DomainDescription
    {
        let xml = try await domainXML(named: name, inactive: inactive, secure: false)
        guard let description = DomainDescription(xml: xml) else {
            throw SandboxError(.invalidXML, "the XML of domain \(ValueChecks.quoted(name)) does not parse")
        }
        return description
    }
}

extension NetworkAdministration {
    /// The libvirt network `name`, parsed; `.invalidXML` when its XML does not parse as a network.
    package func networkDescription(named name: String) async throws(SandboxError) -> NetworkDescription {
        let xml = try await networkXML(named: name)
        guard let description = NetworkDescription(xml: xml) else {
            throw SandboxError(.invalidXML, "the XML of network \(ValueChecks.quoted(name)) does not parse")
        }
        return description
    }
}

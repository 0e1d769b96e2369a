internal import CLibvirt
import SandboxValues

extension LibvirtConnection {
    public func capabilitiesXML() throws(SandboxError) -> String {
        let action = "read the host's capabilities"
        let connection = try open(action)
        let xml = try LibvirtError.check(
            virConnectGetCapabilities(connection), operation: "virConnectGetCapabilities", action)
        defer { free(xml) }
        return String(cString: xml)
    }

    public func networkIsActive(named name: String) throws(SandboxError) -> Bool {
        let action = "look up network '\(name)'"
        return try withNetwork(named: name, action) { network throws(SandboxError) in
            try LibvirtError.check(virNetworkIsActive(network), operation: "virNetworkIsActive", action) == 1
        }
    }
}

extension LibvirtConnection {
    public func nodeResources() throws(SandboxError) -> NodeResources {
        let action = "read the host's CPUs and memory"
        let connection = try open(action)
        var info = virNodeInfo()
        try LibvirtError.check(virNodeGetInfo(connection, &info), operation: "virNodeGetInfo", action)
        // 0 is also the error value: then the free memory is unknown.
        let free = virNodeGetFreeMemory(connection)
        virResetLastError()
        return NodeResources(
            cpus: Int(info.cpus), memoryKiB: UInt64(info.memory), freeMemoryBytes: free == 0 ? nil : free)
    }
}

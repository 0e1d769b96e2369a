internal import CLibvirt
import SandboxValues

extension LibvirtConnection {
    /// Whether the connection has a network filter (`virsh nwfilter-list`) called `name`.
    ///
    /// A driver without network filter support (the test driver, a session daemon without
    /// `virtnwfilterd`) answers `false` rather than failing.
    public func networkFilterExists(named name: String) throws(SandboxError) -> Bool {
        let action = "look up network filter '\(name)'"
        let connection = try open(action)
        guard let filter = virNWFilterLookupByName(connection, name) else {
            let error = LibvirtError.last(operation: "virNWFilterLookupByName", action)
            // Missing filter, or no filter driver at all: either way there is no such filter.
            if error.isLibvirtError(VIR_ERR_NO_NWFILTER) || error.isLibvirtError(VIR_ERR_NO_SUPPORT) { return false }
            throw error
        }
        virNWFilterFree(filter)
        return true
    }
}

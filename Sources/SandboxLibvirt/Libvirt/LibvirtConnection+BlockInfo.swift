internal import CLibvirt
import SandboxValues

extension LibvirtConnection {
    public func blockInfo(named name: String, disk: String) throws(SandboxError) -> DiskBlockInfo {
        let action = "read the size of disk '\(disk)' of domain '\(name)'"
        return try withDomain(named: name, action) { domain throws(SandboxError) in
            var info = virDomainBlockInfo()
            try LibvirtError.check(
                virDomainGetBlockInfo(domain, disk, &info, 0), operation: "virDomainGetBlockInfo", action)
            return DiskBlockInfo(capacity: info.capacity, allocation: info.allocation, physical: info.physical)
        }
    }
}

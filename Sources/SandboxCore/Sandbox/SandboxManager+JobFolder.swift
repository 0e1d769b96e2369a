import Foundation

#if canImport(Glibc)
    import Glibc
#endif

extension SandboxManager {

    /// Makes the job folder with the mode and group `access` gives it, and the jobs root (`0711`)
    /// and its missing parents (`0755`) first.
    func makeJobDirectory(_ path: String, name: SandboxName, access: JobFolderAccess) throws(SandboxError) {
        try Self.makeJobsRoot(configuration.jobsRoot)
        let mode = access.folderMode
        guard mkdir(path, mode) == 0 else {
            if errno == EEXIST { throw Self.nameTaken(name) }
            throw AtomicFile.errnoError("mkdir", path: path)
        }
        // Exactly this mode, whatever the umask; then QEMU's group, when it is not root.
        do throws(SandboxError) {
            guard chmod(path, mode) == 0 else { throw AtomicFile.errnoError("chmod", path: path) }
            try access.apply(toFolder: path)
        } catch {
            _ = rmdir(path)
            throw error
        }
    }

    /// The jobs root (`0711`: QEMU's user may pass through it, nobody may list it) and its missing
    /// parents (`0755`, like `mkdir -p`). An existing root keeps its mode.
    static func makeJobsRoot(_ root: String) throws(SandboxError) {
        if mkdir(root, 0o711) == 0 {
            _ = chmod(root, 0o711)
            return
        }
        guard errno == ENOENT else {
            if errno == EEXIST { return }
            throw AtomicFile.errnoError("mkdir", path: root)
        }
        var parent = ""
        for component in root.split(separator: "/").dropLast() {
            parent += "/" + component
            if mkdir(parent, 0o755) != 0, errno != EEXIST { throw AtomicFile.errnoError("mkdir", path: parent) }
        }
        if mkdir(root, 0o711) != 0, errno != EEXIST { throw AtomicFile.errnoError("mkdir", path: root) }
        _ = chmod(root, 0o711)
    }

    /// The user QEMU runs as for domains of `virtType`, read once per manager from the host's
    /// capabilities; nil when the host reports none (or cannot be asked).
    func qemuIdentity(virtType: DomainSpec.VirtType) async -> QEMUProcessIdentity? {
        if let known = qemuIdentities[virtType.rawValue] { return known }
        let identity = (try? await domains.capabilitiesXML()).flatMap {
            QEMUProcessIdentity.fromCapabilities($0, virtType: virtType.rawValue)
        }
        qemuIdentities[virtType.rawValue] = .some(identity)
        return identity
    }
}

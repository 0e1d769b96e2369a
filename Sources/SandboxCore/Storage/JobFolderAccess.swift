import Foundation
import FoundationXML

#if canImport(Glibc)
    import Glibc
#endif

/// The user and group QEMU runs as on a host, as libvirt's DAC security model reports it in the
/// host's capabilities (`<secmodel><model>dac</model><baselabel type='kvm'>+64055:+64055</baselabel>`).
///
/// Stock Debian runs QEMU as `libvirt-qemu:kvm` (`qemu:///system`); a daemon configured with
/// `user = "root"` reports `+0:+0`. A value; `Sendable`.
public struct QEMUProcessIdentity: Sendable, Hashable, CustomStringConvertible {
    public var uid: UInt32
    public var gid: UInt32

    public init(uid: UInt32, gid: UInt32) {
        self.uid = uid
        self.gid = gid
    }

    public var isRoot: Bool { uid == 0 }
    public var description: String { "uid \(uid), gid \(gid)" }

    /// The DAC base label for domains of type `virtType` (`kvm`, `qemu`) in a capabilities XML, or
    /// the model's first label when none names that type; nil when the host has no DAC model (the
    /// test driver, an unprivileged session daemon) or the XML does not parse.
    public static func fromCapabilities(_ xml: String, virtType: String) -> QEMUProcessIdentity? {
        // FoundationXML crashes on an empty document instead of throwing.
        guard xml.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix("<"),
            let document = try? XMLDocument(xmlString: xml, options: []),
            let labels = try? document.nodes(forXPath: "/capabilities/host/secmodel[model='dac']/baselabel")
        else { return nil }
        let elements = labels.compactMap { $0 as? XMLElement }
        let chosen = elements.first { $0.attribute(forName: "type")?.stringValue == virtType } ?? elements.first
        return chosen?.stringValue.flatMap(parseLabel)
    }

    /// `+UID:+GID` (libvirt's numeric form) or `UID:GID`.
    static func parseLabel(_ label: String) -> QEMUProcessIdentity? {
        let parts = label.trimmingCharacters(in: .whitespacesAndNewlines).split(
            separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2,
            let uid = UInt32(parts[0].hasPrefix("+") ? parts[0].dropFirst() : parts[0]),
            let gid = UInt32(parts[1].hasPrefix("+") ? parts[1].dropFirst() : parts[1])
        else { return nil }
        return QEMUProcessIdentity(uid: uid, gid: gid)
    }
}

/// Who may enter a sandbox's job folder, and who owns the files QEMU opens in it (overlay, seed
/// ISO, UEFI variables). Decided once per create from the host's ``QEMUProcessIdentity``:
///
/// * QEMU runs as root (or the host has no DAC model): the folder is `0700` and root's alone.
/// * QEMU runs as another user (stock `qemu:///system`): the folder is `0710`, group QEMU's group —
///   QEMU may enter it and open the files it is given by name, but not list it; other users may not
///   enter it at all. The files QEMU opens are `0600` and owned by QEMU's user and group, so QEMU can
///   open them whether or not libvirt's `dynamic_ownership` relabels them (with it, libvirt records
///   that owner and restores it). The seed's plain files and the creation record stay root's `0600`.
///
/// A folder mode set in ``SandboxManager/Configuration/jobFolderPermissions`` wins over the
/// automatic one. Pure: the decision is a value; ``apply(toFolder:)`` and ``handOver(_:)`` act.
struct JobFolderAccess: Sendable, Hashable {
    /// The job folder's mode.
    var folderMode: mode_t
    /// The group the job folder is given, when not root's.
    var folderGroup: gid_t?
    /// The owner of the files QEMU opens, when not root.
    var fileOwner: QEMUProcessIdentity?

    static func decide(configuredMode: UInt16?, qemu: QEMUProcessIdentity?) -> JobFolderAccess {
        guard let qemu, !qemu.isRoot else {
            return JobFolderAccess(folderMode: mode_t(configuredMode ?? 0o700), folderGroup: nil, fileOwner: nil)
        }
        return JobFolderAccess(
            folderMode: mode_t(configuredMode ?? 0o710), folderGroup: gid_t(qemu.gid), fileOwner: qemu)
    }

    /// Sets the folder's group (its mode is set where it is made).
    func apply(toFolder path: String) throws(SandboxError) {
        guard let folderGroup else { return }
        guard chown(path, uid_t.max, folderGroup) == 0 else { throw AtomicFile.errnoError("chown", path: path) }
    }

    /// Gives a file QEMU opens to QEMU's user and group.
    func handOver(_ path: String) throws(SandboxError) {
        guard let fileOwner else { return }
        guard chown(path, uid_t(fileOwner.uid), gid_t(fileOwner.gid)) == 0 else {
            throw AtomicFile.errnoError("chown", path: path)
        }
    }
}

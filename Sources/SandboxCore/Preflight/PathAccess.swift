import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Whether a user can reach a file through the folders above it: each folder on the way needs
/// its search (`x`) bit for that user, by owner, group or others, as the kernel decides. Pure over
/// a `stat` function, so tests give it a made-up tree. Supplementary groups are not known from
/// the outside and not counted.
enum PathAccess {
    struct Node: Sendable, Hashable {
        var uid: UInt32
        var gid: UInt32
        /// Permission bits.
        var mode: UInt32
        var isDirectory: Bool
    }

    /// The first folder above `path` (the root first) that `identity` may not pass through; nil
    /// when all let it through. Folders that do not exist end the walk (they will be made).
    static func blockingFolder(
        above path: String, for identity: QEMUProcessIdentity, stat: (String) -> Node?
    ) -> String? {
        var folder = ""
        for component in path.split(separator: "/").dropLast() {
            folder += "/" + component
            guard let node = stat(folder) else { return nil }
            if !allows(node, identity, bit: 1) { return folder }
        }
        return nil
    }

    /// Whether `identity` has the permission `bit` (4 read, 2 write, 1 search) on `node`.
    static func allows(_ node: Node, _ identity: QEMUProcessIdentity, bit: UInt32) -> Bool {
        if identity.isRoot { return true }
        if node.uid == identity.uid { return node.mode & (bit << 6) != 0 }
        if node.gid == identity.gid { return node.mode & (bit << 3) != 0 }
        return node.mode & bit != 0
    }

    /// `stat(2)` of this machine.
    static func localStat(_ path: String) -> Node? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Node(
            uid: info.st_uid, gid: info.st_gid, mode: UInt32(info.st_mode) & 0o7777,
            isDirectory: (info.st_mode & S_IFMT) == S_IFDIR)
    }
}

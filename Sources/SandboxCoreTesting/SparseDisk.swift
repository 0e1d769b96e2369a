import Foundation
import SandboxCore

/// A sparse raw disk image for a base VM: a file of the given size that takes no blocks, so the
/// overlay SandboxManager makes over it has a real virtual size.
public enum SparseDisk {
    /// 16 MiB, the size the tests' bases have.
    public static let defaultSize: Int64 = 16 << 20

    /// Creates (or empties and resizes) the file at `path` as a sparse file of `size` bytes.
    ///
    /// - Errors: `.io` when the file cannot be created or resized.
    public static func create(at path: String, size: Int64 = defaultSize) throws(SandboxError) {
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw SandboxError(.io, "cannot create \(path)")
        }
        guard truncate(path, off_t(size)) == 0 else {
            let code = errno
            throw SandboxError(
                .io, "cannot resize \(path) to \(size) bytes",
                underlying: .init(operation: "truncate", code: Int(code), message: String(cString: strerror(code))))
        }
    }
}

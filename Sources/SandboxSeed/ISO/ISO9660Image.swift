internal import CIsofs
import Glibc
import SandboxValues

/// A regular file to place in an ISO image: in the root directory, or in `folders` below it.
package struct ISOFile: Sendable, Hashable {
    /// The file name as Rock Ridge and Joliet show it: 1–64 bytes of UTF-8, no `/`, no NUL.
    package var name: String
    /// The file's bytes.
    package var contents: [UInt8]
    /// The folders the file is in, outermost first (`["openstack", "latest"]`); each named by the
    /// rules of `name`. Empty for the root directory.
    package var folders: [String] = []

    /// `folders` and `name` joined with `/`.
    package var path: String { (folders + [name]).joined(separator: "/") }
}

/// Builds ISO9660 images in memory with libisofs, for cloud-init NoCloud seeds.
///
/// Thread-safe. libisofs has unsynchronised process-wide state, so builds in one process run one at a
/// time (see `IsofsRuntime`); validation happens before waiting.
package enum ISO9660Image {
    /// Volume identifiers: 1–32 characters from `[A-Za-z0-9_-]`.
    package static let maxVolumeIDLength = 32
    /// Longest file name in bytes (Joliet stores at most 64 characters).
    package static let maxNameBytes = 64
    /// Timestamps ECMA-119 can record: years since 1900 fit one byte, so 1970-01-01 to 2155-12-31 UTC.
    package static let timestampRange: ClosedRange<Int64> = 0...5_869_583_999

    private static let blockSize = 2048

    /// Builds a complete ISO9660 image in memory: level 3, Rock Ridge + Joliet (Joliet without version
    /// numbers, relaxed volume attributes so a lowercase volume id like "cidata" stays lowercase), files
    /// in the root directory, every timestamp (volume creation/modification/effective times, per-node
    /// atime/mtime/ctime) pinned to `timestamp` (seconds since the epoch, UTC), fixed volume UUID
    /// derived from the timestamp -> identical input gives byte-identical output.
    ///
    /// Files are laid out in byte-wise name order, so the order of `files` does not affect the output.
    /// Owners are 0:0, directories 0555, files 0444. Joliet names carry neither `;1` nor a forced `.`.
    ///
    /// - Throws: `.invalidArgument` for a bad volume id, file name or timestamp; `.seedBuildFailed`
    ///   with the libisofs function, its code and message when libisofs fails.
    package static func build(volumeID: String, files: [ISOFile], timestamp: Int64) throws(SandboxError) -> [UInt8] {
        try validate(volumeID: volumeID, files: files, timestamp: timestamp)
        return try IsofsRuntime.withExclusiveAccess { () throws(SandboxError) -> [UInt8] in
            try buildUnlocked(volumeID: volumeID, files: files, time: time_t(timestamp))
        }
    }

    private static func buildUnlocked(volumeID: String, files: [ISOFile], time: time_t) throws(SandboxError)
        -> [UInt8]
    {
        var imageOut: OpaquePointer?
        try IsofsRuntime.check(iso_image_new(volumeID, &imageOut), "iso_image_new")
        guard let image = imageOut else { throw IsofsRuntime.failure("iso_image_new", -1) }
        defer { iso_image_unref(image) }

        let root = iso_image_get_root(image)
        pinTimes(of: root, to: time)
        var dataBlocks = 0
        var folders: [String: OpaquePointer] = [:]
        func folder(_ path: [String]) throws(SandboxError) -> OpaquePointer? {
            guard let name = path.last else { return root }
            let key = path.joined(separator: "/")
            if let made = folders[key] { return made }
            var made: OpaquePointer?
            try IsofsRuntime.check(
                iso_image_add_new_dir(image, try folder(Array(path.dropLast())), name, &made), "iso_image_add_new_dir")
            pinTimes(of: made, to: time)
            folders[key] = made
            return made
        }
        for file in files.sorted(by: { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }) {
            let parent = try folder(file.folders)
            let stream = try IsofsRuntime.makeMemoryStream(file.contents)
            var node: OpaquePointer?
            let code = iso_image_add_new_file(image, parent, file.name, stream, &node)
            if code < 0 {
                iso_stream_unref(stream)  // Only taken over on success.
                throw IsofsRuntime.failure("iso_image_add_new_file", code)
            }
            pinTimes(of: node, to: time)
            dataBlocks += (file.contents.count + blockSize - 1) / blockSize
        }

        var optionsOut: OpaquePointer?
        try IsofsRuntime.check(iso_write_opts_new(&optionsOut, 0), "iso_write_opts_new")
        guard let options = optionsOut else { throw IsofsRuntime.failure("iso_write_opts_new", -1) }
        defer { iso_write_opts_free(options) }
        // Room for the whole image (metadata of a seed is ~30 blocks), so the writer thread never waits
        // for the reader; libisofs' minimum is 32 blocks, its default 1024 (2 MiB).
        let fifoBlocks = min(max(dataBlocks + 64 + files.count / 8, 32), 1024)
        try configure(options, time: time, fifoBlocks: fifoBlocks)

        var sourceOut: UnsafeMutablePointer<burn_source>?
        try IsofsRuntime.check(
            iso_image_create_burn_source(image, options, &sourceOut), "iso_image_create_burn_source")
        guard let source = sourceOut else { throw IsofsRuntime.failure("iso_image_create_burn_source", -1) }
        defer {
            // Without libburn there is no burn_source_free(): free_data stops and joins the writer thread
            // and releases libisofs' side, the struct itself is ours.
            source.pointee.free_data?(source)
            free(source)
        }
        return try readAll(source)
    }

    // MARK: - Validation

    private static func validate(volumeID: String, files: [ISOFile], timestamp: Int64) throws(SandboxError) {
        let id = volumeID.utf8
        guard (1...maxVolumeIDLength).contains(id.count),
            id.allSatisfy({ byte in
                switch byte {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                    UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
                    true
                default: false
                }
            })
        else {
            throw .invalid(
                "ISO volume id \(ValueChecks.quoted(volumeID)) must be 1–\(maxVolumeIDLength) characters from "
                    + "A–Z, a–z, 0–9, '_' and '-'")
        }
        guard timestampRange.contains(timestamp) else {
            throw .invalid(
                "ISO timestamp \(timestamp) is outside \(timestampRange.lowerBound)...\(timestampRange.upperBound) "
                    + "(1970–2155 UTC)")
        }
        var seen = Set<String>(minimumCapacity: files.count)
        var folderPaths = Set<String>()
        for file in files {
            guard file.folders.count <= 6 else {
                throw .invalid("ISO file \(ValueChecks.quoted(file.path)) is more than 6 folders deep")
            }
            for name in file.folders + [file.name] { try validate(name: name) }
            guard seen.insert(file.path).inserted else {
                throw .invalid("ISO file name \(ValueChecks.quoted(file.path)) is used twice")
            }
            for depth in 1..<(file.folders.count + 1) {
                folderPaths.insert(file.folders.prefix(depth).joined(separator: "/"))
            }
        }
        if let clash = seen.first(where: { folderPaths.contains($0) }) {
            throw .invalid("ISO path \(ValueChecks.quoted(clash)) is both a file and a folder")
        }
    }

    private static func validate(name: String) throws(SandboxError) {
        let bytes = name.utf8
        guard !bytes.isEmpty, bytes.count <= maxNameBytes else {
            throw .invalid("ISO file name \(ValueChecks.quoted(name)) must be 1–\(maxNameBytes) bytes long")
        }
        guard !bytes.contains(UInt8(ascii: "/")), !bytes.contains(0), name != ".", name != ".." else {
            throw .invalid("ISO file name \(ValueChecks.quoted(name)) must not be '.' or '..' or contain '/' or NUL")
        }
    }

    // MARK: - libisofs

    /// Sets atime, mtime and ctime of a node (an `IsoNode *`, `IsoDir *` or `IsoFile *`).
    private static func pinTimes(of node: OpaquePointer?, to time: time_t) {
        guard let node else { return }
        iso_node_set_atime(node, time)
        iso_node_set_mtime(node, time)
        iso_node_set_ctime(node, time)
    }

    private static func configure(_ options: OpaquePointer, time: time_t, fifoBlocks: Int) throws(SandboxError) {
        func set(_ code: Int32, _ operation: String) throws(SandboxError) {
            try IsofsRuntime.check(code, operation)
        }
        try set(iso_write_opts_set_iso_level(options, 3), "iso_write_opts_set_iso_level")
        try set(iso_write_opts_set_rockridge(options, 1), "iso_write_opts_set_rockridge")
        // RRIP 1.10 (what genisoimage writes): PX entries without file serial numbers, which libisofs
        // hands out to directories from a counter that differs from build to build.
        try set(iso_write_opts_set_rrip_version_1_10(options, 1), "iso_write_opts_set_rrip_version_1_10")
        try set(iso_write_opts_set_joliet(options, 1), "iso_write_opts_set_joliet")
        // bit1: Joliet names exactly as given, without ";1" and without a forced "." (`meta-data`, not
        // `meta-data.;1`); the ECMA-119 names keep both (`META_DATA.;1`).
        try set(iso_write_opts_set_omit_version_numbers(options, 2), "iso_write_opts_set_omit_version_numbers")
        try set(iso_write_opts_set_no_force_dots(options, 2), "iso_write_opts_set_no_force_dots")
        try set(iso_write_opts_set_relaxed_vol_atts(options, 1), "iso_write_opts_set_relaxed_vol_atts")
        try set(iso_write_opts_set_output_charset(options, "UTF-8"), "iso_write_opts_set_output_charset")
        // Fixed owners and modes instead of the building user's.
        try set(iso_write_opts_set_replace_mode(options, 2, 2, 2, 2), "iso_write_opts_set_replace_mode")
        try set(iso_write_opts_set_default_dir_mode(options, 0o555), "iso_write_opts_set_default_dir_mode")
        try set(iso_write_opts_set_default_file_mode(options, 0o444), "iso_write_opts_set_default_file_mode")
        try set(iso_write_opts_set_default_uid(options, 0), "iso_write_opts_set_default_uid")
        try set(iso_write_opts_set_default_gid(options, 0), "iso_write_opts_set_default_gid")
        // Every timestamp libisofs writes: Rock Ridge TF, directory records of all trees, volume descriptors.
        try set(iso_write_opts_set_replace_timestamps(options, 2), "iso_write_opts_set_replace_timestamps")
        try set(iso_write_opts_set_default_timestamp(options, time), "iso_write_opts_set_default_timestamp")
        try set(iso_write_opts_set_dir_rec_mtime(options, 7), "iso_write_opts_set_dir_rec_mtime")
        try set(iso_write_opts_set_always_gmt(options, 1), "iso_write_opts_set_always_gmt")
        // The volume UUID (what blkid reports) overrides creation and modification time; expiration 0 = never.
        let code = IsofsRuntime.withMutableCString(volumeUUID(time)) { uuid in
            iso_write_opts_set_pvd_times(options, time, time, 0, time, uuid)
        }
        try set(code, "iso_write_opts_set_pvd_times")
        // Default is a 2 MiB ring buffer; seeds are a few blocks.
        try set(iso_write_opts_set_fifo_size(options, fifoBlocks), "iso_write_opts_set_fifo_size")
    }

    /// `YYYYMMDDhhmmss00` in UTC, as `iso_write_opts_set_pvd_times` expects.
    private static func volumeUUID(_ time: time_t) -> String {
        var seconds = time
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func digits(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return digits(parts.tm_year + 1900, 4) + digits(parts.tm_mon + 1, 2) + digits(parts.tm_mday, 2)
            + digits(parts.tm_hour, 2) + digits(parts.tm_min, 2) + digits(parts.tm_sec, 2) + "00"
    }

    /// Lets libisofs' writer thread finish before reading. A reader blocked in `read` is woken for every
    /// block the writer appends, and those hand-offs cost more than the writing itself; yielding the
    /// CPU while the writer works takes a fraction of that. Stops as soon as the writer is done, or
    /// waits for room in the ring buffer (so it cannot wait for itself), or after a bound; the blocking
    /// read that follows is correct in every case.
    private static func awaitWriter(_ source: UnsafeMutablePointer<burn_source>) {
        var capacity = 0
        var freeBytes = 0
        for _ in 0..<10_000 {
            let state = iso_ring_buffer_get_status(source, &capacity, &freeBytes)
            guard state == 1, freeBytes > 0 else { return }  // 1 = "active": writer still producing
            sched_yield()
        }
    }

    /// Reads the whole image produced by libisofs' writer thread straight into the result array.
    private static func readAll(_ source: UnsafeMutablePointer<burn_source>) throws(SandboxError) -> [UInt8] {
        // libburn's contract: use `read` when set, else `read_xt`.
        guard let read = source.pointee.read ?? source.pointee.read_xt, let getSize = source.pointee.get_size
        else {
            throw streamFailure("iso_image_create_burn_source", -1, "burn_source without read or get_size")
        }
        let size = Int(getSize(source))
        guard size > 0, size % blockSize == 0 else {
            throw streamFailure("burn_source.get_size", size, "announced \(size) bytes, not a multiple of \(blockSize)")
        }
        awaitWriter(source)
        // Never ask for more than is left: a read that runs into the end of the stream returns 0 and drops
        // the partial tail. Chunks stay multiples of the block size.
        let chunk = 512 * blockSize
        var lastRead: Int32 = 0
        let image = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            let base = buffer.baseAddress!
            while count < size {
                let want = min(size - count, chunk)
                lastRead = read(source, base + count, Int32(want))
                guard lastRead == Int32(want) else { return }
                count += want
            }
            // Expect end of stream, so the writer has finished when free_data runs.
            lastRead = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: blockSize) { scratch in
                read(source, scratch.baseAddress!, Int32(blockSize))
            }
        }
        guard image.count == size else {
            throw streamFailure(
                "burn_source.read", Int(lastRead), "image stream ended after \(image.count) of \(size) bytes")
        }
        guard lastRead == 0 else {
            throw streamFailure(
                "burn_source.read", Int(lastRead), "image stream longer than the announced \(size) bytes")
        }
        return image
    }

    private static func streamFailure(_ operation: String, _ code: Int, _ message: String) -> SandboxError {
        SandboxError(
            .seedBuildFailed, "libisofs: \(message)",
            underlying: .init(operation: operation, code: code, message: message))
    }
}

import Foundation

extension GuestAgentClient {
    /// Bytes per `guest-file-read`: 512 KiB, about 700 KiB of base64, well inside libvirt's 4 MiB
    /// message and qemu-ga's limits (the agent encodes replies quickly).
    static let fileChunkSize = 512 << 10
    /// Bytes per `guest-file-write`: 128 KiB. The agent parses the request's JSON a character at a
    /// time, which takes seconds for big chunks in a slow (emulated, busy) guest.
    static let writeChunkSize = 128 << 10
    /// Seconds each file command may take: generous, for busy emulated guests.
    static let fileCallTimeout = 60

    /// Reads a whole file from the guest (`guest-file-open`/`read`/`close`, 512 KiB at a time, each
    /// command allowed 60 s).
    ///
    /// Returns nil when the agent cannot open it (it does not exist or is not readable: the agent
    /// reports both as an error reply). More than `maxBytes` is `.tooLarge`; reading stops one
    /// byte past the limit. The handle is closed whatever happens.
    public func readFile(_ path: String, maxBytes: Int = 16 << 20) async throws(SandboxError) -> Data? {
        guard maxBytes >= 0 else { throw .invalid("maxBytes must be 0 or more, not \(maxBytes)") }
        let handle: Int
        do {
            handle = try await open(path, mode: "r")
        } catch  where error.code == .libvirt {
            return nil
        }
        return try await closing(handle) { () throws(SandboxError) -> Data in
            var data = Data()
            while data.count <= maxBytes {
                let count = min(Self.fileChunkSize, maxBytes + 1 - data.count)
                let chunk =
                    try await call(
                        "guest-file-read", arguments: ["handle": handle, "count": count],
                        timeoutSeconds: Self.fileCallTimeout) as? [String: Any]
                let bytes = Self.base64(chunk?["buf-b64"])
                data.append(bytes)
                if bytes.isEmpty || (chunk?["eof"] as? Bool) == true { break }
            }
            guard data.count <= maxBytes else {
                throw SandboxError(.tooLarge, "\(path) in \(domain) is larger than the limit of \(maxBytes) bytes")
            }
            return data
        }
    }

    /// Writes (creates or replaces) a file in the guest, 128 KiB per `guest-file-write` (60 s each), then
    /// sets its permission bits with `chmod` when `mode` is given (e.g. `0o755`).
    ///
    /// Not atomic: a failure part-way leaves a partial file. The handle is closed whatever
    /// happens; a failed close (the data may not have reached the file) is thrown. A missing
    /// folder or a read-only file system is `.libvirt` with the agent's message.
    public func writeFile(_ path: String, contents: Data, mode: Int? = nil) async throws(SandboxError) {
        if let mode, !(0...0o7777).contains(mode) {
            throw .invalid("file mode \(String(mode, radix: 8)) is not between 0 and 7777 (octal)")
        }
        let handle = try await open(path, mode: "w")
        try await closing(handle) { () throws(SandboxError) in
            var offset = 0
            while offset < contents.count {
                let end = min(offset + Self.writeChunkSize, contents.count)
                let chunk = contents.subdata(in: offset..<end).base64EncodedString()
                let reply =
                    try await call(
                        "guest-file-write", arguments: ["handle": handle, "buf-b64": chunk],
                        timeoutSeconds: Self.fileCallTimeout)
                    as? [String: Any]
                guard (reply?["count"] as? Int) == end - offset else {
                    throw SandboxError(
                        .io, "the guest agent wrote \(reply?["count"] ?? "nothing") of \(end - offset) bytes to \(path)"
                    )
                }
                offset = end
            }
        }
        guard let mode else { return }
        let result = try await exec(
            "/bin/chmod", [String(mode, radix: 8), "--", path],
            options: ExecOptions(timeout: .seconds(30), killProcessGroup: false))
        guard result.succeeded else {
            throw SandboxError(
                .io, "chmod \(String(mode, radix: 8)) \(path) in \(domain) failed: \(result.stderr)")
        }
    }

    /// `guest-file-open`: a handle.
    func open(_ path: String, mode: String) async throws(SandboxError) -> Int {
        guard let handle = try await call("guest-file-open", arguments: ["path": path, "mode": mode]) as? Int else {
            throw SandboxError(.agentUnavailable, "guest-file-open of \(path) in \(domain) returned no handle")
        }
        return handle
    }

    /// Runs `body`, then closes `handle`; a close failure is thrown only when `body` succeeded.
    func closing<T>(_ handle: Int, _ body: () async throws(SandboxError) -> T) async throws(SandboxError) -> T {
        let value: T
        do {
            value = try await body()
        } catch {
            _ = try? await call("guest-file-close", arguments: ["handle": handle])
            throw error
        }
        _ = try await call("guest-file-close", arguments: ["handle": handle])
        return value
    }
}

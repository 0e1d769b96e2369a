import Foundation

#if canImport(Glibc)
    import Glibc
#endif

// Shared by SandboxServerTests and SandboxE2ETests (a symbolic link there): test targets cannot
// import each other, so this file only uses Foundation.

/// The built `sandbox-server` executable as a child process on a free loopback port, and a small
/// HTTP/1.1 client (one connection per request, `Connection: close`) to talk to it as a user would.
/// Its stdout and stderr go to files in `logFolder`. `stop()` kills it if it still runs.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    let port: Int
    let stdoutPath: String
    let stderrPath: String

    /// The executable `name` built beside the test bundle, or nil.
    static func builtExecutable(_ name: String) -> String? {
        var url = Bundle.main.bundleURL
        for _ in 0..<3 {
            let candidate = url.appendingPathComponent(name).path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            url.deleteLastPathComponent()
        }
        return nil
    }

    /// Starts `executable` with `environment` (plus `PATH`, `HOME` and, unless `environment` sets
    /// it, `SANDBOX_LISTEN` on the free port, `SANDBOX_ALLOW_MISSING_FILTER=true` and
    /// `SANDBOX_STATE_DIR` in `logFolder`).
    init(executable: String, environment: [String: String], logFolder: String) throws {
        port = try Self.freeLoopbackPort()
        stdoutPath = logFolder + "/sandbox-server-\(port).out"
        stderrPath = logFolder + "/sandbox-server-\(port).err"
        var variables = ProcessInfo.processInfo.environment.filter { ["PATH", "HOME"].contains($0.key) }
        variables.merge(environment) { _, new in new }
        if variables["SANDBOX_LISTEN"] == nil { variables["SANDBOX_LISTEN"] = "127.0.0.1:\(port)" }
        // The test driver and the E2E daemon define no network filters; tests of the refusal set it.
        if variables["SANDBOX_ALLOW_MISSING_FILTER"] == nil { variables["SANDBOX_ALLOW_MISSING_FILTER"] = "true" }
        if variables["SANDBOX_STATE_DIR"] == nil { variables["SANDBOX_STATE_DIR"] = logFolder + "/state" }
        process.executableURL = URL(fileURLWithPath: executable)
        process.environment = variables
        process.standardInput = FileHandle.nullDevice
        for path in [stdoutPath, stderrPath] { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        let out = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
        let err = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        defer {
            try? out.close()
            try? err.close()
        }
        process.standardOutput = out
        process.standardError = err
        try process.run()
    }

    var isRunning: Bool { process.isRunning }
    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Waits until `GET /v1/health` answers 200; false if the process exits or `limit` passes first.
    func waitUntilServing(within limit: Duration = .seconds(60)) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline, isRunning {
            if let reply = try? await send("GET", "/v1/health", timeout: .seconds(5)), reply.status == 200 {
                return true
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    /// Sends SIGTERM and waits up to `limit` for the process to exit (see ``waitForExit(within:)``).
    func terminate(within limit: Duration = .seconds(60)) async -> Int32? {
        kill(process.processIdentifier, SIGTERM)
        return await waitForExit(within: limit)
    }

    /// Waits up to `limit` for the process to exit; its exit status, or nil if it still runs (or a
    /// signal ended it).
    func waitForExit(within limit: Duration = .seconds(60)) async -> Int32? {
        let deadline = ContinuousClock.now + limit
        while isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        guard !isRunning, process.terminationReason == .exit else { return nil }
        return process.terminationStatus
    }

    /// Kills the process if it still runs.
    func stop() {
        guard isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// One request on a new connection; `json` is sent as the body, verbatim.
    func send(
        _ method: String, _ path: String, json: String? = nil, headers: [String: String] = [:],
        timeout: Duration = .seconds(120)
    ) async throws -> HTTPReply {
        let connection = try await HTTPConnection.open(port: port, timeout: timeout)
        try await connection.write(
            HTTPConnection.head(method, path, bodyLength: json.map { $0.utf8.count }, headers: headers))
        if let json { try await connection.write(Data(json.utf8)) }
        return try await connection.readReply()
    }

    /// A port on 127.0.0.1 that was free a moment ago (bound with port 0, then closed).
    static func freeLoopbackPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HTTPConnection.Failure("socket: errno \(errno)") }
        defer { close(fd) }
        var address = HTTPConnection.loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else { throw HTTPConnection.Failure("bind: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// A parsed HTTP/1.1 response.
struct HTTPReply: Sendable {
    var status: Int
    /// Header names in lower case.
    var headers: [String: String]
    var body: Data
    var text: String { String(decoding: body, as: UTF8.self) }

    /// The body as a JSON object (empty when it is not one).
    var object: [String: Any] {
        ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any]) ?? [:]
    }

    /// `error.code` of a JSON error body.
    /// A `text/event-stream` body's events, in order: each one's name and its data as a JSON object.
    var events: [(name: String, object: [String: Any])] { Self.events(text) }

    static func events(_ text: String) -> [(name: String, object: [String: Any])] {
        text.components(separatedBy: "\n\n").compactMap { block in
            var name = ""
            var data = ""
            for line in block.split(separator: "\n") {
                if line.hasPrefix("event: ") { name = String(line.dropFirst(7)) }
                if line.hasPrefix("data: ") { data = String(line.dropFirst(6)) }
            }
            guard !name.isEmpty else { return nil }
            return (name, (try? JSONSerialization.jsonObject(with: Data(data.utf8))) as? [String: Any] ?? [:])
        }
    }

    /// The `sandbox` of a create's or a read's envelope.
    var sandbox: [String: Any] { object["sandbox"] as? [String: Any] ?? [:] }
    /// The `command` of a run's answer.
    var command: [String: Any] { object["command"] as? [String: Any] ?? [:] }
    /// The error body's `error_code`.
    var errorCode: String? { object["error_code"] as? String }
}

/// A blocking loopback TCP connection whose calls run on a thread of their own, off Swift's
/// cooperative pool. Reads time out after `timeout`.
final class HTTPConnection: @unchecked Sendable {
    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    private let fd: Int32

    private init(fd: Int32) { self.fd = fd }

    deinit { close(fd) }

    static func open(port: Int, timeout: Duration) async throws -> HTTPConnection {
        try await Self.offPool {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw Failure("socket: errno \(errno)") }
            let connection = HTTPConnection(fd: fd)
            var limit = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
            var address = loopback(port: port)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                }
            }
            guard connected else { throw Failure("connect to port \(port): errno \(errno)") }
            return connection
        }
    }

    /// A request head; `headers` come after the defaults, and a `Content-Type` among them replaces
    /// `application/json`.
    static func head(_ method: String, _ path: String, bodyLength: Int?, headers: [String: String] = [:]) -> Data {
        var text = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        let setsType = headers.keys.contains { $0.lowercased() == "content-type" }
        if let bodyLength {
            if !setsType { text += "Content-Type: application/json\r\n" }
            text += "Content-Length: \(bodyLength)\r\n"
        }
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { text += "\(name): \(value)\r\n" }
        return Data((text + "\r\n").utf8)
    }

    func write(_ data: Data) async throws {
        try await Self.offPool { [fd] in
            var sent = 0
            while sent < data.count {
                let count = data.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + sent, data.count - sent, 0) }
                guard count > 0 else { throw Failure("send: errno \(errno)") }
                sent += count
            }
        }
    }

    /// Reads until the server closes the connection and parses the response.
    func readReply() async throws -> HTTPReply {
        let raw = try await Self.offPool { [fd] in
            var data = Data()
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = recv(fd, &buffer, buffer.count, 0)
                if count == 0 { return data }
                guard count > 0 else { throw Failure("recv: errno \(errno) after \(data.count) bytes") }
                data.append(contentsOf: buffer[0..<count])
            }
        }
        return try Self.parse(raw)
    }

    static func parse(_ raw: Data) throws -> HTTPReply {
        guard let split = raw.range(of: Data("\r\n\r\n".utf8)) else {
            throw Failure("no complete response: \(String(decoding: raw, as: UTF8.self))")
        }
        let lines = String(decoding: raw[..<split.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let statusWords = lines[0].split(separator: " ")
        guard statusWords.count >= 2, let status = Int(statusWords[1]) else { throw Failure("bad status: \(lines[0])") }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        var body = Data(raw[split.upperBound...])
        if headers["transfer-encoding"]?.lowercased() == "chunked" {
            body = try dechunk(body)
        } else if let length = headers["content-length"].flatMap(Int.init), length <= body.count {
            body = body.prefix(length)
        }
        return HTTPReply(status: status, headers: headers, body: body)
    }

    static func dechunk(_ data: Data) throws -> Data {
        var rest = data[...]
        var body = Data()
        while let lineEnd = rest.range(of: Data("\r\n".utf8)) {
            let sizeText = String(decoding: rest[..<lineEnd.lowerBound], as: UTF8.self).split(separator: ";").first
            guard let size = sizeText.flatMap({ Int($0.trimmingCharacters(in: .whitespaces), radix: 16) }) else {
                throw Failure("bad chunk size")
            }
            if size == 0 { return body }
            let start = lineEnd.upperBound
            guard rest.distance(from: start, to: rest.endIndex) >= size + 2 else { throw Failure("short chunk") }
            let end = rest.index(start, offsetBy: size)
            body.append(rest[start..<end])
            rest = rest[rest.index(end, offsetBy: 2)...]
        }
        throw Failure("unterminated chunked body")
    }

    static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    /// Runs blocking `body` on a new thread.
    static func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try body() }) }.start()
        }
    }
}

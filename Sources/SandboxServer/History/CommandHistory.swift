import Foundation
import GRDB
import SandboxCore

/// The commands run through the service, per sandbox, in an SQLite file (GRDB): they survive a
/// restart of the server, and go when their sandbox is destroyed.
///
/// Rows are keyed by the sandbox's UUID (a name can be reused after a destroy) and carry the tenant
/// that ran them; reads ask for both. At most ``maxCommandsPerSandbox`` rows per sandbox are kept
/// (the oldest go first), each stream cut to ``maxStoredOutputBytes``. Thread-safe: GRDB's
/// `DatabaseQueue` serialises access.
public final class CommandHistory: Sendable {
    private let queue: DatabaseQueue

    public static let maxCommandsPerSandbox = 1000
    public static let maxStoredOutputBytes = 256 << 10
    /// The file inside the server's state folder.
    public static let fileName = "commands.sqlite"

    /// The history in `folder`/``fileName`` (the folder is made, mode 0700). Throws `.io` when
    /// the database cannot be opened or migrated.
    public convenience init(folder: String) throws(SandboxError) {
        do {
            try FileManager.default.createDirectory(
                atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            try self.init(queue: DatabaseQueue(path: folder + "/" + Self.fileName))
        } catch let error as SandboxError {
            throw error
        } catch {
            throw SandboxError(.io, "cannot open the command history in \(folder): \(error)")
        }
    }

    /// A history in memory only (tests, and a server told to keep none on disk).
    public static func inMemory() -> CommandHistory {
        // An in-memory queue cannot fail to open or migrate but for a bug.
        try! CommandHistory(queue: DatabaseQueue())
    }

    private init(queue: DatabaseQueue) throws {
        self.queue = queue
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: Row.databaseTableName) { table in
                table.autoIncrementedPrimaryKey("seq")
                table.column("id", .text).notNull().unique()
                table.column("sandboxUUID", .text).notNull().indexed()
                table.column("tenant", .text).notNull()
                table.column("record", .blob).notNull()
            }
        }
        try migrator.migrate(queue)
    }

    /// Records `command` for the sandbox `uuid` of `tenant`, cutting its output, and drops the
    /// sandbox's oldest rows beyond the limit.
    public func append(_ command: CommandRecord, sandboxUUID uuid: String, tenant: String) async throws(SandboxError) {
        var stored = command
        let limit = Self.maxStoredOutputBytes
        if stored.stdout.utf8.count > limit || stored.stderr.utf8.count > limit {
            stored.stdout = Self.cut(stored.stdout, to: limit)
            stored.stderr = Self.cut(stored.stderr, to: limit)
            stored.metadata.truncated = true
        }
        let data: Data
        do {
            data = try JSONEncoder().encode(stored)
        } catch {
            throw SandboxError(.io, "cannot encode a command for the history: \(error)")
        }
        let row = Row(id: stored.id, sandboxUUID: uuid, tenant: tenant, record: data)
        try await writing { db in
            try row.insert(db)
            try db.execute(
                sql: """
                    DELETE FROM command WHERE sandboxUUID = ? AND seq NOT IN
                      (SELECT seq FROM command WHERE sandboxUUID = ? ORDER BY seq DESC LIMIT ?)
                    """,
                arguments: [uuid, uuid, Self.maxCommandsPerSandbox])
        }
    }

    /// The sandbox's commands run by `tenant` (every tenant's when nil), oldest first, from `offset`,
    /// at most `limit`; and how many there are in all.
    public func commands(
        sandboxUUID uuid: String, tenant: String?, limit: Int?, offset: Int
    ) async throws(SandboxError) -> (commands: [CommandRecord], total: Int) {
        let rows: (rows: [Row], total: Int) = try await reading { db in
            var request = Row.filter(Column("sandboxUUID") == uuid)
            if let tenant { request = request.filter(Column("tenant") == tenant) }
            let total = try request.fetchCount(db)
            var paged = request.order(Column("seq"))
            paged = paged.limit(limit ?? Int.max, offset: offset)
            return (try paged.fetchAll(db), total)
        }
        var commands: [CommandRecord] = []
        for row in rows.rows {
            if let command = try? JSONDecoder().decode(CommandRecord.self, from: row.record) {
                commands.append(command)
            }
        }
        return (commands, rows.total)
    }

    /// Forgets the sandbox's commands (it was destroyed).
    public func remove(sandboxUUID uuid: String) async throws(SandboxError) {
        try await writing { db in _ = try Row.filter(Column("sandboxUUID") == uuid).deleteAll(db) }
    }

    /// Forgets the commands of every sandbox not in `uuids` (destroyed by another tool, or while
    /// the server was down). Returns how many rows went.
    @discardableResult
    public func prune(keeping uuids: Set<String>) async throws(SandboxError) -> Int {
        try await writing { db in
            let known = try String.fetchAll(db, sql: "SELECT DISTINCT sandboxUUID FROM command")
            var removed = 0
            for uuid in known where !uuids.contains(uuid) {
                removed += try Row.filter(Column("sandboxUUID") == uuid).deleteAll(db)
            }
            return removed
        }
    }

    // MARK: - Storage

    private struct Row: Codable, FetchableRecord, PersistableRecord, Sendable {
        static let databaseTableName = "command"
        var id: String
        var sandboxUUID: String
        var tenant: String
        var record: Data
    }

    private func writing<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(SandboxError)
        -> T
    {
        do {
            return try await queue.write(body)
        } catch {
            throw SandboxError(.io, "the command history failed: \(error)")
        }
    }

    private func reading<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(SandboxError)
        -> T
    {
        do {
            return try await queue.read(body)
        } catch {
            throw SandboxError(.io, "the command history failed: \(error)")
        }
    }

    /// At most `limit` bytes of `text`, cut at a character boundary.
    static func cut(_ text: String, to limit: Int) -> String {
        guard text.utf8.count > limit else { return text }
        var result = ""
        var used = 0
        for character in text {
            let size = character.utf8.count
            guard used + size <= limit else { break }
            result.append(character)
            used += size
        }
        return result
    }
}

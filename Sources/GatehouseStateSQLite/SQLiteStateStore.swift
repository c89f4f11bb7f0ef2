internal import Foundation
internal import GRDB
import GatehouseCore
import Synchronization

/// The SQLite backend of `StateStore`: one file that every Gatehouse process on a machine opens.
///
/// The tables are `SQLiteSchema`'s: `entries` (one row per kind and key, with the `seq` of the write that last
/// set it) and `counter` (one row; every write takes the next number in the same transaction). The change feed
/// is then "mirrored rows with seq > cursor", and a cursor is the counter as one snapshot saw it.
///
/// Several processes share the file: WAL journal mode (readers never wait for the writer), a busy timeout of
/// `busyTimeout` seconds, and every write one `BEGIN IMMEDIATE` transaction, which takes the write lock before
/// reading anything, so a write either waits for its turn or fails whole. Within a process GRDB's pool
/// serialises writes and hands each read its own connection, so worker threads and the sync thread may call
/// at once.
///
/// `waitForChange` polls `PRAGMA data_version` on a connection of its own (`watcher`, read-only, never used
/// for anything else). That number moves when any *other* connection commits, and this store's own writes go
/// through the pool's writer, another connection: so **own writes count too**, as do other processes'. The
/// baseline is the version read just before the last `changes` snapshot (or by the last `waitForChange`), so a
/// commit that lands between a `changes` and the next wait is not missed; at worst a change is reported
/// twice. Meant for one sync thread: a `changes` call from elsewhere moves the baseline too.
public final class SQLiteStateStore: StateStore {
    /// Seconds a write (or the first read of a new file) waits for another process's lock before failing.
    static let busyTimeout: Double = 5
    /// How often `waitForChange` looks at `PRAGMA data_version`.
    static let pollInterval: Double = 0.1

    public let path: String
    private let pool: DatabasePool
    private let watcher: DatabaseQueue
    /// The watcher's `data_version` when the caller last looked (see the type's comment); nil before the first look.
    private let seenVersion = Mutex<Int64?>(nil)

    /// Opens (creating when missing, mode 0600) the database at `path` and its tables. A missing or unwritable
    /// directory, a file that is not a database or one written by a newer schema are errors that name the path.
    public init(path: String) throws(StateStoreError) {
        self.path = path
        try SQLiteFile.prepare(path)
        var configuration = Configuration()
        configuration.busyMode = .timeout(Self.busyTimeout)
        configuration.label = "gatehouse-state"
        var watcherConfiguration = configuration
        watcherConfiguration.readonly = true
        watcherConfiguration.label = "gatehouse-state-watcher"
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            try pool.writeWithoutTransaction { db in try SQLiteSchema.create(db) }
            watcher = try DatabaseQueue(path: path, configuration: watcherConfiguration)
        } catch {
            throw StateStoreError.sqlite(error, "open", path: path)
        }
    }

    public var description: String { "SQLite \(path)" }

    public func put(_ entry: StateEntry) throws(StateStoreError) {
        _ = try write("put") { db in
            try db.execute(sql: SQLiteSchema.upsert, arguments: try Self.arguments(entry, seq: SQLiteSchema.nextSeq(db)))
            return true
        }
    }

    public func putIfAbsent(_ entry: StateEntry, now: Int64) throws(StateStoreError) -> Bool {
        // One statement decides: the insert, or the overwrite of an expired row. A live row leaves nothing
        // changed, and the transaction (with its counter step) is rolled back, so nobody is woken for nothing.
        try write("putIfAbsent") { db in
            var arguments = try Self.arguments(entry, seq: SQLiteSchema.nextSeq(db))
            arguments += [now]
            try db.execute(sql: SQLiteSchema.insertUnlessLive, arguments: arguments)
            return db.changesCount > 0
        }
    }

    public func get(_ kind: StateEntry.Kind, _ key: String, now: Int64) throws(StateStoreError) -> StateEntry? {
        try read("get") { db in
            guard let row = try Row.fetchOne(db, sql: SQLiteSchema.selectLive, arguments: [kind.rawValue, key, now]) else {
                return nil
            }
            return StateEntry(kind: kind, key: key, value: try Self.value(row, atIndex: 0), expiresAt: try row.decode(atIndex: 1))
        }
    }

    public func remove(_ kind: StateEntry.Kind, _ key: String, ifValue value: [UInt8]) throws(StateStoreError) {
        _ = try write("remove") { db in
            try db.execute(sql: SQLiteSchema.deleteIfValue, arguments: [kind.rawValue, key, Data(value)])
            return db.changesCount > 0
        }
    }

    /// The cursor is the counter as the same snapshot saw it, so writes of unmirrored kinds are stepped over
    /// too. A cursor past the counter (the file was deleted and made anew) gets everything, `complete`.
    public func changes(after cursor: StateCursor?, now: Int64) throws(StateStoreError) -> StateChanges {
        let version = try dataVersion()
        let changes = try read("changes") { db in
            let counter = try SQLiteSchema.currentSeq(db)
            let complete = cursor.map { $0.position > counter } ?? true
            let after = complete ? 0 : cursor?.position ?? 0
            var arguments: StatementArguments = [after, now]
            arguments += StatementArguments(SQLiteSchema.mirroredKinds)
            var entries: [StateEntry] = []
            for row in try Row.fetchAll(db, sql: SQLiteSchema.selectChanged, arguments: arguments) {
                guard let kind = StateEntry.Kind(rawValue: try row.decode(atIndex: 0)) else { continue }
                entries.append(StateEntry(
                    kind: kind, key: try row.decode(atIndex: 1), value: try Self.value(row, atIndex: 2),
                    expiresAt: try row.decode(atIndex: 3)))
            }
            return StateChanges(entries: entries, cursor: StateCursor(counter), complete: complete)
        }
        seenVersion.withLock { $0 = version }
        return changes
    }

    public func waitForChange(timeout: Double) throws(StateStoreError) -> Bool {
        // At most a day, so any Double makes a Duration (NaN: no wait).
        let deadline = ContinuousClock.now + .seconds(timeout.isNaN ? 0 : min(max(timeout, 0), 86_400))
        let remembered = seenVersion.withLock { $0 }
        let baseline: Int64
        if let remembered { baseline = remembered } else { baseline = try dataVersion() }
        while true {
            let version = try dataVersion()
            if version != baseline {
                seenVersion.withLock { $0 = version }
                return true
            }
            let left = deadline - .now
            if left <= .zero {
                seenVersion.withLock { $0 = version }
                return false
            }
            Thread.sleep(forTimeInterval: min(Self.pollInterval, left / .seconds(1)))
        }
    }

    public func purgeExpired(now: Int64) throws(StateStoreError) {
        _ = try write("purgeExpired") { db in
            try db.execute(sql: SQLiteSchema.deleteExpired, arguments: [now])
            return db.changesCount > 0
        }
    }

    // MARK: - One place for transactions and errors

    /// Runs `body` in one `BEGIN IMMEDIATE` transaction, committed when it returns true and rolled back when it
    /// returns false; returns what it returned.
    private func write(_ operation: String, _ body: (Database) throws -> Bool) throws(StateStoreError) -> Bool {
        do {
            return try pool.writeWithoutTransaction { db in
                var commit = false
                try db.inTransaction(.immediate) {
                    commit = try body(db)
                    return commit ? .commit : .rollback
                }
                return commit
            }
        } catch {
            throw StateStoreError.sqlite(error, operation, path: path)
        }
    }

    /// Runs `body` in a read transaction (one snapshot) on one of the pool's reader connections.
    private func read<T>(_ operation: String, _ body: (Database) throws -> T) throws(StateStoreError) -> T {
        do {
            return try pool.read(body)
        } catch {
            throw StateStoreError.sqlite(error, operation, path: path)
        }
    }

    private func dataVersion() throws(StateStoreError) -> Int64 {
        do {
            return try watcher.inDatabase { db in try Int64.fetchOne(db, sql: "PRAGMA data_version") ?? 0 }
        } catch {
            throw StateStoreError.sqlite(error, "data_version", path: path)
        }
    }

    private static func arguments(_ entry: StateEntry, seq: Int64) -> StatementArguments {
        [entry.kind.rawValue, entry.key, Data(entry.value), entry.expiresAt, seq]
    }

    /// A stored value; NULL (how an empty `Data` may bind) reads as no bytes.
    private static func value(_ row: Row, atIndex index: Int) throws -> [UInt8] {
        let data: Data? = try row.decode(atIndex: index)
        return data.map { [UInt8]($0) } ?? []
    }
}

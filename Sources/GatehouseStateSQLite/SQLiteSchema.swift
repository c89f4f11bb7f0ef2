internal import GRDB
import GatehouseCore

/// The tables and every statement `SQLiteStateStore` runs, in one place.
///
/// - `entries(kind, key, value, expires, seq)`: one row per kind and key; `kind` is `StateEntry.Kind`'s raw
///   value, `expires` Unix seconds, `seq` the number of the write that last set the row (indexed: the feed).
/// - `counter(id = 1, seq)`: the last number handed out. Every write steps it in its own transaction, so
///   numbers only grow, even when rows are deleted, and a snapshot holds every row numbered up to its counter.
///
/// `PRAGMA user_version` is the schema's version: a file of a newer Gatehouse is refused, not guessed at.
/// Values go through `coalesce(?, x'')`: an empty `Data` may bind as NULL, and an empty value must still
/// match itself in `deleteIfValue`.
enum SQLiteSchema {
    static let version = 1

    static let mirroredKinds = StateEntry.Kind.allCases.filter(\.isMirrored).map(\.rawValue)

    static let upsert = """
        INSERT INTO entries (kind, key, value, expires, seq) VALUES (?, ?, coalesce(?, x''), ?, ?)
        ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value, expires = excluded.expires, seq = excluded.seq
        """
    /// `upsert` that overwrites only an expired row (one more argument: now).
    static let insertUnlessLive = upsert + " WHERE entries.expires <= ?"
    static let selectLive = "SELECT value, expires FROM entries WHERE kind = ? AND key = ? AND expires > ?"
    static let deleteIfValue = "DELETE FROM entries WHERE kind = ? AND key = ? AND value = coalesce(?, x'')"
    static let deleteExpired = "DELETE FROM entries WHERE expires <= ?"
    /// Arguments: after, now, then the mirrored kinds.
    static let selectChanged = """
        SELECT kind, key, value, expires FROM entries
        WHERE seq > ? AND expires > ? AND kind IN (\(mirroredKinds.map { _ in "?" }.joined(separator: ", ")))
        ORDER BY seq
        """

    /// Creates the tables when missing. One IMMEDIATE transaction, so processes that open a new file at the
    /// same moment take turns, and the second finds the first's tables.
    static func create(_ db: Database) throws {
        try db.inTransaction(.immediate) {
            let found = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
            if found > version {
                throw SQLiteStoreProblem("its schema version \(found) is newer than this Gatehouse's (\(version))")
            }
            // Already there: write nothing, so a process starting wakes no other's waitForChange.
            if found == version { return .rollback }
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS entries (
                    kind TEXT NOT NULL,
                    key TEXT NOT NULL,
                    value BLOB NOT NULL,
                    expires INTEGER NOT NULL,
                    seq INTEGER NOT NULL,
                    PRIMARY KEY (kind, key)
                ) WITHOUT ROWID;
                CREATE INDEX IF NOT EXISTS entries_seq ON entries (seq);
                CREATE TABLE IF NOT EXISTS counter (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL);
                INSERT OR IGNORE INTO counter (id, seq) VALUES (1, 0);
                PRAGMA user_version = \(version);
                """)
            return .commit
        }
    }

    /// Steps the counter and returns the new number; only inside a write transaction.
    static func nextSeq(_ db: Database) throws -> Int64 {
        try db.execute(sql: "UPDATE counter SET seq = seq + 1 WHERE id = 1")
        return try currentSeq(db)
    }

    static func currentSeq(_ db: Database) throws -> Int64 {
        guard let seq = try Int64.fetchOne(db, sql: "SELECT seq FROM counter WHERE id = 1") else {
            throw SQLiteStoreProblem("the counter row is missing")
        }
        return seq
    }
}

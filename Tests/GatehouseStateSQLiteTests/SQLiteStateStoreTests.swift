import Foundation
import GatehouseCore
import GatehouseStateSQLite
import StateStoreConformance
import Testing

/// The backend-independent checks on two `SQLiteStateStore`s over one file, then what only SQLite has: the
/// file, its errors, its schema and its cursor.
@Suite struct SQLiteStateStoreTests {
    static let now: Int64 = 1_800_000_000

    @Test(arguments: StateStoreConformance.checks)
    func conformance(_ check: StateStoreCheck) throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("state.db")
        try check.run { try SQLiteStateStore(path: path) }
    }

    @Test func aMissingDirectoryIsNamed() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("nowhere/state.db")
        let error = try #require(throws: StateStoreError.self) { try SQLiteStateStore(path: path) }
        #expect(error.description == "SQLite state store \(path): the directory \(directory.path("nowhere")) does not exist")
    }

    @Test func aFileWhereADirectoryShouldBeIsNamed() throws {
        let directory = try TemporaryDirectory()
        let file = directory.path("plain-file")
        #expect(FileManager.default.createFile(atPath: file, contents: Data("x".utf8)))
        let error = try #require(throws: StateStoreError.self) { try SQLiteStateStore(path: file + "/state.db") }
        #expect(error.description.hasPrefix("SQLite state store \(file)/state.db: "))
        #expect(error.description.contains("not a directory"))
    }

    @Test(arguments: ["", ":memory:", "file:state.db?mode=memory"])
    func aPathThatIsNoFileIsRefused(_ path: String) throws {
        let error = try #require(throws: StateStoreError.self) { try SQLiteStateStore(path: path) }
        #expect(error.description.contains("needs the path of a file"))
    }

    @Test func aFileThatIsNoDatabaseIsRefusedWithItsPath() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("state.db")
        #expect(FileManager.default.createFile(atPath: path, contents: Data(repeating: 0x41, count: 4096)))
        let error = try #require(throws: StateStoreError.self) { try SQLiteStateStore(path: path) }
        #expect(error.description.hasPrefix("SQLite state store \(path): open failed: "))
        #expect(error.description.contains("SQLite error 26"))  // SQLITE_NOTADB
    }

    @Test func aNewFileIsReadableByItsOwnerOnly() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("state.db")
        let store = try SQLiteStateStore(path: path)
        try store.put(StateEntry(kind: .revokedSession, key: "s", expiresAt: Self.now + 60))
        for file in [path, path + "-wal", path + "-shm"] {
            let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(file)")
        }
        #expect(store.description == "SQLite \(path)")
    }

    @Test func aNewerSchemaIsRefused() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("state.db")
        _ = try SQLiteStateStore(path: path)
        _ = try SQLiteShell.run(path, "PRAGMA user_version = 2;")
        let error = try #require(throws: StateStoreError.self) { try SQLiteStateStore(path: path) }
        #expect(error.description == "SQLite state store \(path): open failed: its schema version 2 is newer than this Gatehouse's (1)")
    }

    @Test func reopeningKeepsEntriesAndTheCounter() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("state.db")
        let entry = StateEntry(kind: .revokedSubject, key: "u", value: [1], expiresAt: Self.now + 60)
        var cursor: StateCursor
        do {
            let store = try SQLiteStateStore(path: path)
            try store.put(entry)
            cursor = try store.changes(after: nil, now: Self.now).cursor
        }
        let store = try SQLiteStateStore(path: path)
        #expect(try store.get(.revokedSubject, "u", now: Self.now) == entry)
        let unchanged = try store.changes(after: cursor, now: Self.now)
        #expect(!unchanged.complete && unchanged.entries.isEmpty && unchanged.cursor == cursor)
        let second = StateEntry(kind: .revokedSubject, key: "v", value: [2], expiresAt: Self.now + 60)
        try store.put(second)
        cursor = try store.changes(after: cursor, now: Self.now).cursor
        #expect(cursor.position > unchanged.cursor.position)
    }

    /// A cursor of a file since deleted and made anew points past the new counter: the answer is everything.
    @Test func aCursorPastTheCounterGetsACompleteSnapshot() throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteStateStore(path: directory.path("state.db"))
        let entry = StateEntry(kind: .revokedSession, key: "s", value: [1], expiresAt: Self.now + 60)
        try store.put(entry)
        let changes = try store.changes(after: StateCursor(1000), now: Self.now)
        #expect(changes.complete)
        #expect(changes.entries == [entry])
        #expect(changes.cursor == StateCursor(1))
    }

    /// `purgeExpired` deletes the rows expired by its `now` (and only those): asked with an earlier `now`, a
    /// purged entry would still be live, so it is gone only if deleted. (Not for the shared checks: Redis
    /// expires by its own clock, and callers pass only the current time.)
    @Test func purgeExpiredDeletesTheRows() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("state.db")
        let store = try SQLiteStateStore(path: path)
        let short = StateEntry(kind: .revokedSession, key: "short", value: [1], expiresAt: Self.now + 10)
        let long = StateEntry(kind: .revokedSession, key: "long", value: [2], expiresAt: Self.now + 3600)
        let lock = StateEntry(kind: .refreshLock, key: "lock", value: [3], expiresAt: Self.now + 20)
        for entry in [short, long, lock] { try store.put(entry) }
        try SQLiteStateStore(path: path).purgeExpired(now: Self.now + 20)
        #expect(try store.get(.revokedSession, "short", now: Self.now) == nil, "an entry expired by purge time is deleted")
        #expect(try store.get(.refreshLock, "lock", now: Self.now) == nil, "an entry expiring at purge time is deleted too")
        #expect(try store.get(.revokedSession, "long", now: Self.now) == long, "a live entry is kept")
        #expect(try SQLiteShell.run(path, "SELECT key FROM entries;") == "long")
    }

    /// Unmirrored writes step the counter too, and the cursor steps over them.
    @Test func theCursorIsTheCounter() throws {
        let directory = try TemporaryDirectory()
        let store = try SQLiteStateStore(path: directory.path("state.db"))
        let start = try store.changes(after: nil, now: Self.now)
        #expect(start.cursor == StateCursor(0) && start.entries.isEmpty && start.complete)
        try store.put(StateEntry(kind: .refreshLock, key: "l", value: [1], expiresAt: Self.now + 60))
        #expect(try store.putIfAbsent(StateEntry(kind: .usedTokenID, key: "j", expiresAt: Self.now + 60), now: Self.now))
        #expect(try !store.putIfAbsent(StateEntry(kind: .usedTokenID, key: "j", expiresAt: Self.now + 60), now: Self.now))
        let after = try store.changes(after: start.cursor, now: Self.now)
        #expect(after.entries.isEmpty && !after.complete)
        #expect(after.cursor == StateCursor(2), "two writes, the refused putIfAbsent rolled back")
    }
}

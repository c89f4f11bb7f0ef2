import Foundation
import GatehouseCore
import GatehouseStateSQLite
import StateStoreConformance
import Testing

/// Another OS process on the same file: the `sqlite3` shell writes and reads the way a second Gatehouse
/// would (the same statements in one IMMEDIATE transaction), and the store sees it, and the other way round.
@Suite struct SQLiteSharedFileTests {
    static let now: Int64 = 1_800_000_000

    @Test func anotherProcessSeesTheStoresWritesInWALMode() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("state.db")
        let store = try SQLiteStateStore(path: path)
        try store.put(StateEntry(kind: .revokedSession, key: "from-store", value: [0xCA, 0xFE], expiresAt: Self.now + 60))
        #expect(try SQLiteShell.run(path, "PRAGMA journal_mode;") == "wal")
        #expect(try SQLiteShell.run(path, "SELECT kind, key, hex(value), expires, seq FROM entries;")
            == "rs|from-store|CAFE|\(Self.now + 60)|1")
        #expect(try SQLiteShell.run(path, "SELECT seq FROM counter;") == "1")
    }

    @Test func theStoreSeesAnotherProcessesWrite() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("state.db")
        let store = try SQLiteStateStore(path: path)
        let before = try store.changes(after: nil, now: Self.now)

        // Written between the store's `changes` and its wait: the wait must still notice (its baseline is the
        // version `changes` saw, not the one at the wait's start).
        _ = try SQLiteShell.run(path, """
            BEGIN IMMEDIATE;
            UPDATE counter SET seq = seq + 1 WHERE id = 1;
            INSERT INTO entries (kind, key, value, expires, seq)
                VALUES ('rs', 'from-shell', x'0102', \(Self.now + 60), (SELECT seq FROM counter WHERE id = 1))
                ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value, expires = excluded.expires, seq = excluded.seq;
            COMMIT;
            """)
        #expect(try store.waitForChange(timeout: 2))
        let entry = StateEntry(kind: .revokedSession, key: "from-shell", value: [1, 2], expiresAt: Self.now + 60)
        let changes = try store.changes(after: before.cursor, now: Self.now)
        #expect(changes.entries == [entry] && !changes.complete)
        #expect(try store.get(.revokedSession, "from-shell", now: Self.now) == entry)
        #expect(try !store.waitForChange(timeout: 0.3), "nothing written since")
    }

    /// Another process starting on the file finds the tables and writes nothing: no one is woken for it.
    @Test func openingASecondStoreWakesNobody() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("state.db")
        let first = try SQLiteStateStore(path: path)
        _ = try first.changes(after: nil, now: Self.now)
        let second = try SQLiteStateStore(path: path)
        #expect(try !first.waitForChange(timeout: 0.3))
        try second.put(StateEntry(kind: .revokedSession, key: "s", expiresAt: Self.now + 60))
        #expect(try first.waitForChange(timeout: 2))
    }

    /// The shell holds the write lock; the store's write waits for it (busy timeout 5 s) instead of failing,
    /// and `putIfAbsent` then sees the shell's committed entry.
    @Test func aWriteWaitsForAnotherProcesssLock() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("state.db")
        let store = try SQLiteStateStore(path: path)
        let shell = try SQLiteShell.Session(path)
        shell.send("""
            BEGIN IMMEDIATE;
            UPDATE counter SET seq = seq + 1 WHERE id = 1;
            INSERT INTO entries VALUES ('lk', 'l', x'01', \(Self.now + 60), (SELECT seq FROM counter));
            SELECT 'locked';
            """)
        #expect(try shell.readLine() == "locked")
        let started = ContinuousClock.now
        let committer = Background {
            Thread.sleep(forTimeInterval: 0.5)  // a delay for the store to be waiting in, not a synchronisation
            shell.send("COMMIT;")
        }
        let lock = StateEntry(kind: .refreshLock, key: "l", value: [2], expiresAt: Self.now + 60)
        #expect(try !store.putIfAbsent(lock, now: Self.now), "the shell's lock, committed meanwhile, is live")
        #expect(ContinuousClock.now - started >= .seconds(0.4), "it waited for the shell's commit")
        try committer.join()
        try shell.finish()
        #expect(try store.get(.refreshLock, "l", now: Self.now)?.value == [1])
    }
}

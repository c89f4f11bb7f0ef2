import Foundation
import GatehouseCore
import GatehouseStateRedis
import Testing

/// What is particular to Redis: AUTH, SELECT, binary values, SCAN and fetch batches, cursors, and how fast a
/// revocation crosses from one instance to another.
@Suite struct RedisStateStoreTests {
    let now = unixNow()

    func entry(_ kind: StateEntry.Kind, _ key: String, _ value: [UInt8] = [1], ttl: Int64 = 600) -> StateEntry {
        StateEntry(kind: kind, key: key, value: value, expiresAt: now + ttl)
    }

    @Test func thePasswordLogsInAndIsNeverShown() throws {
        let password = "pw-\(UUID().uuidString)"
        let server = try RedisServer(password: password)
        let store = try server.store()
        try store.put(entry(.revokedSession, "s1"))
        #expect(try store.get(.revokedSession, "s1", now: now) != nil)
        #expect(store.description == "redis://127.0.0.1:\(server.port)/0")

        let wrong = #expect(throws: StateStoreError.self) { try server.store(password: "not-\(password)") }
        #expect(wrong?.description.contains("WRONGPASS") == true, "\(wrong?.description ?? "")")
        #expect(wrong?.description.contains(password) == false)
        #expect(wrong?.description.contains("127.0.0.1:\(server.port)") == true, "it says where")
        let missing = #expect(throws: StateStoreError.self) { try server.store(password: nil) }
        #expect(missing?.description.contains("NOAUTH") == true, "\(missing?.description ?? "")")
    }

    @Test func aPasswordTheServerDoesNotWantIsAnError() throws {
        let server = try RedisServer()
        let error = #expect(throws: StateStoreError.self) { try server.store(password: "secret-never-shown") }
        #expect(error?.description.contains("AUTH") == true, "\(error?.description ?? "")")
        #expect(error?.description.contains("secret-never-shown") == false)
    }

    @Test func databasesAreSeparateAndSoAreTheirAnnouncements() throws {
        let server = try RedisServer()
        let zero = try server.store(database: 0)
        let one = try server.store(database: 1)
        #expect(one.description.hasSuffix("/1"))
        try zero.put(entry(.revokedSession, "in-zero"))
        #expect(try one.get(.revokedSession, "in-zero", now: now) == nil)
        #expect(try one.changes(after: nil, now: now).entries.isEmpty)
        #expect(try !one.waitForChange(timeout: 0.3), "db 0's announcement does not wake db 1")
        try one.put(entry(.revokedSession, "in-one"))
        #expect(try zero.changes(after: nil, now: now).entries.map(\.key) == ["in-zero"])
        #expect(try one.changes(after: nil, now: now).entries.map(\.key) == ["in-one"])
    }

    @Test func nothingButTheServerIsAnError() throws {
        let server = try RedisServer()
        let port = server.port
        server.stop()
        let started = ContinuousClock.now
        let error = #expect(throws: StateStoreError.self) {
            try RedisStateStore(host: "127.0.0.1", port: port, database: 0, password: nil)
        }
        #expect(ContinuousClock.now - started < .seconds(2))
        #expect(error?.description.contains("cannot connect") == true, "\(error?.description ?? "")")
    }

    @Test func valuesAreBinarySafe() throws {
        let server = try RedisServer()
        let store = try server.store()
        let every = (0...255).map(UInt8.init) + [0, 0, 13, 10]
        try store.put(entry(.refreshed, "bytes", every))
        #expect(try store.get(.refreshed, "bytes", now: now)?.value == every)
        #expect(try store.changes(after: nil, now: now).entries.first?.value == every)
        try store.put(entry(.refreshLock, "lock", every))
        try store.remove(.refreshLock, "lock", ifValue: Array(every.dropLast()))
        #expect(try store.get(.refreshLock, "lock", now: now) != nil, "a prefix of the value is not the value")
        try store.remove(.refreshLock, "lock", ifValue: every)
        #expect(try store.get(.refreshLock, "lock", now: now) == nil)
    }

    @Test func aSnapshotLargerThanOneScanStepOrFetchBatch() throws {
        let server = try RedisServer()
        let store = try server.store()
        let written = (0..<2_600).map { entry(.revokedSession, "s\($0)", Array("\($0)".utf8)) }
        for one in written { try store.put(one) }
        try store.put(entry(.refreshLock, "s0"))
        let snapshot = try store.changes(after: nil, now: now)
        #expect(snapshot.complete)
        #expect(snapshot.entries.count == written.count)
        #expect(Set(snapshot.entries.map(\.key)) == Set(written.map(\.key)))
        #expect(snapshot.entries.allSatisfy { $0.value == Array($0.key.dropFirst().utf8) })
    }

    @Test func aCursorThisStoreDidNotHandOutGetsAFullResync() throws {
        let server = try RedisServer()
        let store = try server.store()
        let other = try server.store()
        try store.put(entry(.revokedEmail, "e1"))
        let theirs = try other.changes(after: nil, now: now).cursor
        let answer = try store.changes(after: theirs, now: now)
        #expect(answer.complete && answer.entries.map(\.key) == ["e1"])
        let stale = try store.changes(after: answer.cursor, now: now)
        _ = try store.changes(after: stale.cursor, now: now)
        #expect(try store.changes(after: stale.cursor, now: now).complete, "an older cursor of its own too")
    }

    /// Redis expires keys by its own clock: an entry past its expiry is gone even to a caller that asks with an
    /// earlier `now` (the contract lets callers pass only the current time; SQLite would still find it).
    @Test func redissOwnExpiryRemovesEntries() throws {
        let server = try RedisServer()
        let store = try server.store()
        try store.put(entry(.revokedSession, "past", ttl: -5))
        #expect(try store.get(.revokedSession, "past", now: now - 10) == nil)
        #expect(try store.changes(after: nil, now: now - 10).entries.isEmpty)
    }

    /// Only writes of mirrored kinds are announced, so only they wake another instance's `waitForChange`
    /// (SQLite's wakes for every commit to the file).
    @Test func writesOfUnmirroredKindsWakeNobody() throws {
        let server = try RedisServer()
        let store = try server.store()
        let other = try server.store()
        _ = try store.changes(after: nil, now: now)
        try other.put(entry(.refreshLock, "s1"))
        #expect(try other.putIfAbsent(entry(.usedTokenID, "j1"), now: now))
        #expect(try !store.waitForChange(timeout: 0.3), "a kind that is not mirrored is not announced")
        try other.put(entry(.revokedSession, "s1"))
        #expect(try store.waitForChange(timeout: 5))
    }

    @Test func aRevocationReachesAnotherInstanceWellWithinASecond() throws {
        let server = try RedisServer()
        let revoking = try server.store()
        let watching = try server.store()
        let cursor = try watching.changes(after: nil, now: now).cursor
        let watcher = OnThread { () throws(StateStoreError) -> (Bool, [StateEntry], ContinuousClock.Instant) in
            let woke = try watching.waitForChange(timeout: 5)
            let seen = try watching.changes(after: cursor, now: unixNow()).entries
            return (woke, seen, ContinuousClock.now)
        }
        let revocation = entry(.revokedSession, "stolen-session")
        let sent = ContinuousClock.now
        try revoking.put(revocation)
        let (woke, seen, arrived) = try #require(watcher.result(within: 10)).get()
        #expect(woke)
        #expect(seen.contains(revocation))
        #expect(arrived - sent < .milliseconds(500), "took \(arrived - sent)")
    }
}

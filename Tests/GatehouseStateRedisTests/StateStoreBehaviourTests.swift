import Foundation
import GatehouseCore
import GatehouseStateRedis
import Synchronization
import Testing

/// What every `StateStore` must do, run against Redis. Backend-independent on purpose: these move to the shared
/// conformance checks (Tests/StateStoreConformance) once they exist, with a Redis-made store passed in.
@Suite struct StateStoreBehaviourTests {
    let server: RedisServer
    let store: RedisStateStore
    let now = unixNow()

    init() throws {
        server = try RedisServer()
        store = try server.store()
    }

    func entry(_ kind: StateEntry.Kind, _ key: String, _ value: String = "v", ttl: Int64 = 600) -> StateEntry {
        StateEntry(kind: kind, key: key, value: Array(value.utf8), expiresAt: now + ttl)
    }

    @Test func putThenGet() throws {
        let written = StateEntry(kind: .refreshed, key: "s1", value: [0, 1, 2, 0xFF, 0, 10, 13], expiresAt: now + 600)
        try store.put(written)
        #expect(try store.get(.refreshed, "s1", now: now) == written)
        #expect(try store.get(.refreshed, "s2", now: now) == nil)
        #expect(try store.get(.revokedSession, "s1", now: now) == nil, "kinds are separate")
        try store.put(entry(.revokedSession, "empty", ""))
        #expect(try store.get(.revokedSession, "empty", now: now)?.value == [], "an empty value is a value")
    }

    @Test func putOverwrites() throws {
        try store.put(entry(.refreshed, "s1", "old", ttl: 60))
        try store.put(entry(.refreshed, "s1", "new", ttl: 900))
        #expect(try store.get(.refreshed, "s1", now: now) == entry(.refreshed, "s1", "new", ttl: 900))
    }

    @Test func expiredEntriesAreGone() throws {
        try store.put(entry(.revokedSession, "soon", ttl: 100))
        #expect(try store.get(.revokedSession, "soon", now: now + 99) != nil)
        #expect(try store.get(.revokedSession, "soon", now: now + 100) == nil, "expiresAt is the first second it is gone")
        try store.put(entry(.revokedSession, "past", ttl: -5))
        #expect(try store.get(.revokedSession, "past", now: now - 10) == nil, "the store's own expiry removed it")
        try store.purgeExpired(now: now)
        #expect(try store.changes(after: nil, now: now).entries.map(\.key) == ["soon"])
        #expect(try store.changes(after: nil, now: now + 100).entries.isEmpty)
    }

    @Test func putIfAbsentWritesOnce() throws {
        #expect(try store.putIfAbsent(entry(.refreshLock, "s1", "owner-a"), now: now))
        #expect(try !store.putIfAbsent(entry(.refreshLock, "s1", "owner-b"), now: now))
        #expect(try store.get(.refreshLock, "s1", now: now)?.value == Array("owner-a".utf8))
        #expect(try store.putIfAbsent(entry(.usedTokenID, "s1", "other kind"), now: now))
        // An entry that has expired does not count.
        #expect(try store.putIfAbsent(entry(.refreshLock, "s2", "gone", ttl: -1), now: now))
        #expect(try store.putIfAbsent(entry(.refreshLock, "s2", "owner-c"), now: now))
    }

    @Test func removeOnlyWithTheSameValue() throws {
        try store.put(entry(.refreshLock, "s1", "owner-a"))
        try store.remove(.refreshLock, "s1", ifValue: Array("owner-b".utf8))
        #expect(try store.get(.refreshLock, "s1", now: now) != nil, "another owner's value removes nothing")
        try store.remove(.refreshLock, "s1", ifValue: Array("owner-a".utf8))
        #expect(try store.get(.refreshLock, "s1", now: now) == nil)
        try store.remove(.refreshLock, "never", ifValue: [])
        #expect(try store.putIfAbsent(entry(.refreshLock, "s1", "owner-b"), now: now), "released: free to take")
    }

    @Test func aSnapshotHoldsEveryLiveMirroredEntryAndNothingElse() throws {
        for kind in StateEntry.Kind.allCases { try store.put(entry(kind, "k-\(kind.rawValue)")) }
        try store.put(entry(.revokedSession, "expired", ttl: -1))
        let snapshot = try store.changes(after: nil, now: now)
        #expect(snapshot.complete)
        let expected = StateEntry.Kind.allCases.filter(\.isMirrored).map { entry($0, "k-\($0.rawValue)") }
        #expect(Set(snapshot.entries.map(\.key)) == Set(expected.map(\.key)))
        #expect(snapshot.entries.count == expected.count)
        for written in expected { #expect(snapshot.entries.contains(written)) }
    }

    @Test func changesAfterACursorHoldAnotherInstancesWrite() throws {
        try store.put(entry(.revokedSession, "before"))
        let first = try store.changes(after: nil, now: now)
        let other = try server.store()
        try other.put(entry(.revokedSubject, "after"))
        try other.put(entry(.refreshLock, "not mirrored"))
        #expect(try store.waitForChange(timeout: 5))
        let next = try store.changes(after: first.cursor, now: now)
        #expect(next.entries == [entry(.revokedSubject, "after")])
        #expect(!next.complete)
        #expect(next.cursor != first.cursor)
        let none = try store.changes(after: next.cursor, now: now)
        #expect(none.entries.isEmpty && !none.complete, "nothing new: nothing")
    }

    @Test func waitForChangeWakesOnAnotherInstancesWriteAndTimesOutOtherwise() throws {
        let other = try server.store()
        let started = ContinuousClock.now
        #expect(try !store.waitForChange(timeout: 0.3))
        #expect(ContinuousClock.now - started >= .milliseconds(250), "it waited")
        #expect(ContinuousClock.now - started < .seconds(2))
        try other.put(entry(.refreshLock, "s1"))
        #expect(try !store.waitForChange(timeout: 0.3), "a kind that is not mirrored is not announced")
        try other.put(entry(.revokedSession, "s1"))
        #expect(try store.waitForChange(timeout: 5))
    }

    @Test func concurrentPutIfAbsentHasOneWinner() throws {
        let stores = [store, try server.store()]
        let wins = Atomic(0)
        let failures = Mutex<[String]>([])
        let done = DispatchGroup()
        for thread in 0..<8 {
            done.enter()
            Thread.detachNewThread {
                defer { done.leave() }
                for attempt in 0..<200 {
                    do throws(StateStoreError) {
                        let claim = StateEntry(kind: .refreshLock, key: "contended", value: Array("\(thread)-\(attempt)".utf8),
                                               expiresAt: unixNow() + 600)
                        if try stores[thread % 2].putIfAbsent(claim, now: unixNow()) { wins.add(1, ordering: .relaxed) }
                    } catch {
                        failures.withLock { $0.append(error.description) }
                    }
                }
            }
        }
        #expect(done.wait(timeout: .now() + 60) == .success)
        #expect(failures.withLock { $0 } == [])
        #expect(wins.load(ordering: .relaxed) == 1)
    }
}

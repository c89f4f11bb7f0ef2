import Foundation
import GatehouseCore
import GatehouseStateRedis
import Testing

/// Redis gone, frozen or restarted: every call fails within about a second, nothing hangs or crashes, and the
/// store is whole again once Redis is back, with a full resync of the change feed.
@Suite struct RedisOutageTests {
    let server: RedisServer
    let store: RedisStateStore
    let now = unixNow()

    init() throws {
        server = try RedisServer()
        store = try server.store()
    }

    func entry(_ kind: StateEntry.Kind, _ key: String) -> StateEntry {
        StateEntry(kind: kind, key: key, value: [1], expiresAt: now + 600)
    }

    /// Every call of the protocol, each expected to throw within `limit`.
    func expectEveryCallFails(within limit: Duration, _ comment: Comment) {
        let calls: [(String, () throws(StateStoreError) -> Void)] = [
            ("put", { () throws(StateStoreError) in try store.put(entry(.revokedSession, "x")) }),
            ("putIfAbsent", { () throws(StateStoreError) in _ = try store.putIfAbsent(entry(.refreshLock, "x"), now: now) }),
            ("get", { () throws(StateStoreError) in _ = try store.get(.revokedSession, "x", now: now) }),
            ("remove", { () throws(StateStoreError) in try store.remove(.refreshLock, "x", ifValue: [1]) }),
            ("changes", { () throws(StateStoreError) in _ = try store.changes(after: nil, now: now) }),
            ("waitForChange", { () throws(StateStoreError) in _ = try store.waitForChange(timeout: 10) }),
        ]
        for (name, call) in calls {
            for attempt in 1...2 {
                let started = ContinuousClock.now
                #expect(throws: StateStoreError.self, "\(name) #\(attempt), \(comment)") { try call() }
                let took = ContinuousClock.now - started
                #expect(took < limit, "\(name) #\(attempt) took \(took), \(comment)")
            }
        }
    }

    @Test func redisStoppedMakesEveryCallFailFast() throws {
        try store.put(entry(.revokedSession, "before"))
        server.stop()
        expectEveryCallFails(within: .seconds(2), "Redis stopped")
    }

    @Test func aWaitEndsWhenRedisStops() throws {
        let store = store
        let waiter = OnThread { () throws(StateStoreError) -> Bool in try store.waitForChange(timeout: 30) }
        #expect(waiter.result(within: 0.3) == nil, "it waits")
        server.stop()
        let outcome = try #require(waiter.result(within: 2), "it did not notice")
        #expect(throws: StateStoreError.self) { try outcome.get() }
    }

    @Test func aFrozenRedisCostsEachCallAboutTheCommandTimeout() throws {
        server.freeze(true)
        defer { server.freeze(false) }
        expectEveryCallFails(within: .milliseconds(2_500), "Redis frozen")
        server.freeze(false)
        try store.put(entry(.revokedSession, "thawed"))
        #expect(try store.get(.revokedSession, "thawed", now: now) != nil)
    }

    @Test func aRestartedRedisIsUsedAgainWithAFullResync() throws {
        let other = try server.store()
        try store.put(entry(.revokedSession, "lost"))
        let cursor = try store.changes(after: nil, now: now).cursor
        server.stop()
        #expect(throws: StateStoreError.self) { try store.put(entry(.revokedSession, "during")) }
        try server.restart()

        // The calls that failed dropped their connections: the next ones connect to the new server.
        try store.put(entry(.revokedSession, "after"))
        #expect(try store.get(.revokedSession, "after", now: now) != nil)
        #expect(try store.waitForChange(timeout: 5), "reconnected: something may have been missed")
        let resync = try store.changes(after: cursor, now: now)
        #expect(resync.complete)
        #expect(resync.entries.map(\.key) == ["after"], "the restarted Redis lost the rest (no persistence)")

        // The second instance has not called since: it finds its connection closed and replaces it before use.
        try other.put(entry(.revokedSubject, "u1"))
        #expect(try store.waitForChange(timeout: 5))
        let next = try store.changes(after: resync.cursor, now: now)
        #expect(!next.complete && next.entries.map(\.key) == ["u1"])
    }

    @Test func aRestartNoticedOnlyByTheWaitStillResyncs() throws {
        let cursor = try store.changes(after: nil, now: now).cursor
        try server.restart()
        let other = try server.store()
        try other.put(entry(.revokedSession, "written-after-restart"))
        // The wait finds the subscription closed, subscribes again and says something may have changed; the
        // command connection, closed too, is replaced before the resync uses it.
        #expect(try store.waitForChange(timeout: 5))
        let resync = try store.changes(after: cursor, now: now)
        #expect(resync.complete && resync.entries.map(\.key) == ["written-after-restart"])
    }
}

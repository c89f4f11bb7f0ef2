import Dispatch
import Foundation
import GatehouseCore
import Synchronization

/// Makes a handle on the store under test. Each call gives another handle on the *same* store (another
/// connection, as a second Gatehouse process would have), so a check can write through one and read through
/// the other.
public typealias StateStoreFactory = () throws -> any StateStore

/// A conformance check failed: where, what was expected, what the store did. Never holds more than test data.
public struct ConformanceFailure: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// One backend-independent check, for `@Test(arguments: StateStoreConformance.checks)`.
public struct StateStoreCheck: Sendable, CustomStringConvertible {
    public let name: String
    public let run: @Sendable (StateStoreFactory) throws -> Void
    public var description: String { name }
}

/// What every `StateStore` backend must do, written once for all of them (SQLite, Redis). Each check takes a
/// factory (see `StateStoreFactory`) and throws `ConformanceFailure` when the store misbehaves.
///
/// The checks use keys of their own (a random prefix per run), so several may share one store, with two
/// exceptions that need a store nobody else writes to while they run: `waitForChangeTimesOut` (any write
/// wakes a waiter) and the `complete` snapshot's exclusion of unmirrored kinds (it looks at every entry).
/// Times are real Unix seconds (a backend may hand expiry to its server), and "later" is asked for by passing
/// a later `now`, never by sleeping.
public enum StateStoreConformance {
    public static let checks: [StateStoreCheck] = [
        StateStoreCheck(name: "put and get round trip", run: putGetRoundTrip),
        StateStoreCheck(name: "put overwrites", run: putOverwrites),
        StateStoreCheck(name: "expired entries are hidden", run: expiryHidesEntries),
        StateStoreCheck(name: "putIfAbsent: once, not while live, again after expiry", run: putIfAbsentOnce),
        StateStoreCheck(name: "remove only with the matching value", run: removeIfValue),
        StateStoreCheck(name: "changes(after: nil): complete snapshot of mirrored kinds", run: changesSnapshot),
        StateStoreCheck(name: "changes(after:): only newer entries, from the other handle", run: changesAfterCursor),
        StateStoreCheck(name: "waitForChange wakes when the other handle writes", run: waitForChangeWakes),
        StateStoreCheck(name: "waitForChange times out when nobody writes", run: waitForChangeTimesOut),
        StateStoreCheck(name: "purgeExpired deletes expired entries only", run: purgeExpired),
        StateStoreCheck(name: "putIfAbsent race: 8 threads x 200 tries, two handles, one winner", run: putIfAbsentRace),
    ]

    public static func putGetRoundTrip(_ makeStore: StateStoreFactory) throws {
        let (a, b) = (try makeStore(), try makeStore())
        let keys = Keys(), now = Keys.now
        let entry = StateEntry(kind: .refreshed, key: keys["s1"], value: [0, 1, 2, 0xFE, 0xFF], expiresAt: now + 3600)
        let empty = StateEntry(kind: .revokedSession, key: keys["s2"], value: [], expiresAt: now + 3600)
        try a.put(entry)
        try a.put(empty)
        try expect(try a.get(.refreshed, entry.key, now: now) == entry, "the same handle reads back what it wrote")
        try expect(try b.get(.refreshed, entry.key, now: now) == entry, "the other handle reads it too")
        try expect(try b.get(.revokedSession, empty.key, now: now) == empty, "an empty value reads back as empty")
        try expect(try b.get(.revokedSubject, entry.key, now: now) == nil, "the same key under another kind is another entry")
        try expect(try b.get(.refreshed, keys["missing"], now: now) == nil, "a key never written is nil")
    }

    public static func putOverwrites(_ makeStore: StateStoreFactory) throws {
        let (a, b) = (try makeStore(), try makeStore())
        let keys = Keys(), now = Keys.now
        try a.put(StateEntry(kind: .revokedSubject, key: keys["u"], value: [1], expiresAt: now + 3600))
        let second = StateEntry(kind: .revokedSubject, key: keys["u"], value: [2, 2], expiresAt: now + 7200)
        try b.put(second)
        try expect(try a.get(.revokedSubject, keys["u"], now: now) == second, "the second put (other handle) wins")
        // An overwrite may also shorten the life of an entry.
        let shorter = StateEntry(kind: .revokedSubject, key: keys["u"], value: [3], expiresAt: now + 60)
        try a.put(shorter)
        try expect(try b.get(.revokedSubject, keys["u"], now: now + 61) == nil, "the overwrite's shorter expiry holds")
        try expect(try b.get(.revokedSubject, keys["u"], now: now) == shorter, "the third put wins")
    }

    public static func expiryHidesEntries(_ makeStore: StateStoreFactory) throws {
        let a = try makeStore()
        let keys = Keys(), now = Keys.now
        let entry = StateEntry(kind: .revokedEmail, key: keys["e"], value: [9], expiresAt: now + 10)
        try a.put(entry)
        try expect(try a.get(.revokedEmail, entry.key, now: now + 9) == entry, "live one second before expiresAt")
        try expect(try a.get(.revokedEmail, entry.key, now: now + 10) == nil, "gone at expiresAt (live means expiresAt > now)")
        try expect(try a.get(.revokedEmail, entry.key, now: now + 11) == nil, "gone after expiresAt")
        let changes = try a.changes(after: nil, now: now + 10)
        try expect(!changes.entries.contains { $0.key == entry.key }, "an expired entry is not in a snapshot")
    }

    public static func putIfAbsentOnce(_ makeStore: StateStoreFactory) throws {
        let (a, b) = (try makeStore(), try makeStore())
        let keys = Keys(), now = Keys.now
        let first = StateEntry(kind: .refreshLock, key: keys["lock"], value: Array("owner-a".utf8), expiresAt: now + 30)
        let second = StateEntry(kind: .refreshLock, key: keys["lock"], value: Array("owner-b".utf8), expiresAt: now + 60)
        try expect(try a.putIfAbsent(first, now: now), "the first putIfAbsent writes")
        try expect(try !b.putIfAbsent(second, now: now), "a second one (other handle) does not while the first is live")
        try expect(try !a.putIfAbsent(second, now: now + 29), "nor one second before it expires")
        try expect(try b.get(.refreshLock, keys["lock"], now: now) == first, "the first value stays")
        try expect(try b.putIfAbsent(second, now: now + 30), "after expiry it writes again")
        try expect(try a.get(.refreshLock, keys["lock"], now: now + 30) == second, "and its value is the new one")
        let token = StateEntry(kind: .usedTokenID, key: keys["lock"], expiresAt: now + 30)
        try expect(try a.putIfAbsent(token, now: now), "the same key under another kind is free")
    }

    public static func removeIfValue(_ makeStore: StateStoreFactory) throws {
        let (a, b) = (try makeStore(), try makeStore())
        let keys = Keys(), now = Keys.now
        let lock = StateEntry(kind: .refreshLock, key: keys["lock"], value: Array("owner-a".utf8), expiresAt: now + 30)
        try a.put(lock)
        try b.remove(.refreshLock, lock.key, ifValue: Array("owner-b".utf8))
        try expect(try a.get(.refreshLock, lock.key, now: now) == lock, "remove with another value leaves the entry")
        try b.remove(.refreshLock, lock.key, ifValue: Array("owner-".utf8))
        try expect(try a.get(.refreshLock, lock.key, now: now) == lock, "remove with a prefix of the value leaves the entry")
        try b.remove(.refreshLock, lock.key, ifValue: lock.value)
        try expect(try a.get(.refreshLock, lock.key, now: now) == nil, "remove with the value removes it")
        try b.remove(.refreshLock, keys["missing"], ifValue: [1])

        let empty = StateEntry(kind: .usedTokenID, key: keys["empty"], value: [], expiresAt: now + 30)
        try a.put(empty)
        try b.remove(.usedTokenID, empty.key, ifValue: [0])
        try expect(try a.get(.usedTokenID, empty.key, now: now) == empty, "[0] is not the empty value")
        try b.remove(.usedTokenID, empty.key, ifValue: [])
        try expect(try a.get(.usedTokenID, empty.key, now: now) == nil, "an empty value matches an empty value")
    }

    public static func changesSnapshot(_ makeStore: StateStoreFactory) throws {
        let (a, b) = (try makeStore(), try makeStore())
        let keys = Keys(), now = Keys.now
        let mirrored = StateEntry.Kind.allCases.filter(\.isMirrored).enumerated().map { index, kind in
            StateEntry(kind: kind, key: keys["m\(index)"], value: [UInt8(index), 7], expiresAt: now + 3600 + Int64(index))
        }
        for entry in mirrored { try a.put(entry) }
        try a.put(StateEntry(kind: .refreshLock, key: keys["lock"], value: [1], expiresAt: now + 3600))
        try a.put(StateEntry(kind: .usedTokenID, key: keys["jti"], expiresAt: now + 3600))
        try a.put(StateEntry(kind: .revokedSession, key: keys["expired"], expiresAt: now + 5))

        let snapshot = try b.changes(after: nil, now: now + 5)
        try expect(snapshot.complete, "changes(after: nil) is complete")
        let ours = snapshot.entries.filter { keys.owns($0.key) }
        for entry in mirrored {
            try expect(ours.contains(entry), "the snapshot holds \(entry.kind) \(entry.key) with its value and expiry")
        }
        try expect(!snapshot.entries.contains { !$0.kind.isMirrored }, "no refresh lock or used token id in a snapshot")
        try expect(!ours.contains { $0.key == keys["expired"] }, "no expired entry in a snapshot")
        try expect(ours.count == mirrored.count, "each entry once: \(ours.count) for \(mirrored.count)")
    }

    public static func changesAfterCursor(_ makeStore: StateStoreFactory) throws {
        let (a, b) = (try makeStore(), try makeStore())
        let keys = Keys(), now = Keys.now
        let old = StateEntry(kind: .revokedSession, key: keys["old"], value: [1], expiresAt: now + 3600)
        try a.put(old)
        let first = try a.changes(after: nil, now: now)
        try expect(first.entries.contains(old), "the snapshot holds the entry written before it")

        let new = StateEntry(kind: .refreshed, key: keys["new"], value: [2], expiresAt: now + 3600)
        try b.put(new)
        try b.put(StateEntry(kind: .refreshLock, key: keys["lock"], value: [3], expiresAt: now + 3600))
        try b.put(StateEntry(kind: .usedTokenID, key: keys["jti"], expiresAt: now + 3600))
        let second = try a.changes(after: first.cursor, now: now)
        try expect(second.entries.contains(new), "an entry written through the other handle after the cursor is reported")
        try expect(!second.entries.contains { !$0.kind.isMirrored }, "unmirrored kinds are never reported")
        if !second.complete {
            try expect(!second.entries.contains { $0.key == old.key }, "an entry older than the cursor is not reported again")
        }

        let third = try a.changes(after: second.cursor, now: now)
        if !third.complete {
            try expect(!third.entries.contains { keys.owns($0.key) }, "nothing new: nothing of ours reported")
        }
        let overwritten = StateEntry(kind: .revokedSession, key: keys["old"], value: [4], expiresAt: now + 7200)
        try b.put(overwritten)
        let fourth = try a.changes(after: third.cursor, now: now)
        try expect(fourth.entries.contains(overwritten), "an overwrite is a change, reported with its new value")
        if !fourth.complete {
            try expect(!fourth.entries.contains { $0.key == keys["new"] }, "only the overwritten entry is new")
        }
    }

    public static func waitForChangeWakes(_ makeStore: StateStoreFactory) throws {
        let (a, b) = (try makeStore(), try makeStore())
        let keys = Keys(), now = Keys.now
        let before = try a.changes(after: nil, now: now)
        let entry = StateEntry(kind: .revokedSession, key: keys["s"], value: [5], expiresAt: now + 3600)
        let writer = Background {
            Thread.sleep(forTimeInterval: 0.2)
            try b.put(entry)
        }
        let started = ContinuousClock.now
        let woke = try a.waitForChange(timeout: 3)
        let waited = ContinuousClock.now - started
        try writer.join()
        try expect(woke, "waitForChange returns true after the other handle writes")
        try expect(waited < .seconds(1.5), "and soon: it took \(waited), the write came after 0.2 s")
        let after = try a.changes(after: before.cursor, now: now)
        try expect(after.entries.contains(entry), "the change it woke for is in the feed")
    }

    public static func waitForChangeTimesOut(_ makeStore: StateStoreFactory) throws {
        let a = try makeStore()
        _ = try a.changes(after: nil, now: Keys.now)
        let started = ContinuousClock.now
        let woke = try a.waitForChange(timeout: 0.5)
        let waited = ContinuousClock.now - started
        try expect(!woke, "waitForChange returns false when nobody writes")
        try expect(waited >= .seconds(0.45) && waited < .seconds(2), "after about its timeout (0.5 s): it took \(waited)")
    }

    public static func purgeExpired(_ makeStore: StateStoreFactory) throws {
        let (a, b) = (try makeStore(), try makeStore())
        let keys = Keys(), now = Keys.now
        let short = StateEntry(kind: .revokedSession, key: keys["short"], value: [1], expiresAt: now + 10)
        let long = StateEntry(kind: .revokedSession, key: keys["long"], value: [2], expiresAt: now + 3600)
        let lock = StateEntry(kind: .refreshLock, key: keys["lock"], value: [3], expiresAt: now + 20)
        for entry in [short, long, lock] { try a.put(entry) }
        try b.purgeExpired(now: now + 20)
        // Asked with the earlier `now`, a purged entry would still be live: so it is gone only if deleted.
        try expect(try a.get(.revokedSession, short.key, now: now) == nil, "an entry expired by purge time is deleted")
        try expect(try a.get(.refreshLock, lock.key, now: now) == nil, "an entry expiring at purge time is deleted too")
        try expect(try a.get(.revokedSession, long.key, now: now) == long, "a live entry is kept")
    }

    public static func putIfAbsentRace(_ makeStore: StateStoreFactory) throws {
        let handles = [try makeStore(), try makeStore()]
        let keys = Keys(), now = Keys.now
        let key = keys["race"]
        let winners = Locked<[Int]>([])
        let threads = (0..<8).map { thread in
            Background {
                let store = handles[thread % 2]
                for attempt in 0..<200 {
                    let entry = StateEntry(kind: .refreshLock, key: key, value: [UInt8(thread), UInt8(attempt)], expiresAt: now + 60)
                    if try store.putIfAbsent(entry, now: now) { winners.withLock { $0.append(thread) } }
                }
            }
        }
        for thread in threads { try thread.join() }
        let won = winners.withLock { $0 }
        try expect(won.count == 1, "exactly one of 1600 putIfAbsent calls writes: \(won.count) did")
        let stored = try handles[0].get(.refreshLock, key, now: now)
        try expect(stored?.value.first == UInt8(won[0]), "the stored value is the winner's")
    }

    // MARK: - Helpers

    static func expect(
        _ condition: @autoclosure () throws -> Bool, _ message: @autoclosure () -> String,
        file: StaticString = #fileID, line: UInt = #line
    ) throws {
        guard try condition() else { throw ConformanceFailure("\(file):\(line): expected: \(message())") }
    }
}

/// Keys of one check run: a random prefix, so runs never meet in a shared store.
struct Keys {
    let prefix = "conf-" + String(UInt64.random(in: 0...UInt64.max), radix: 36) + "-"
    subscript(name: String) -> String { prefix + name }
    func owns(_ key: String) -> Bool { key.hasPrefix(prefix) }
    /// Now, in the Unix seconds the protocol speaks.
    static var now: Int64 { Int64(Date().timeIntervalSince1970) }
}

/// A thread that runs a throwing body; `join` waits for it and rethrows what it threw. Public for the backends'
/// own tests.
public final class Background: Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let failure = Locked<(any Error)?>(nil)

    public init(_ body: @escaping @Sendable () throws -> Void) {
        let thread = Thread { [done, failure] in
            do { try body() } catch { failure.withLock { $0 = error } }
            done.signal()
        }
        thread.start()
    }

    public func join() throws {
        done.wait()
        if let error = failure.withLock({ $0 }) { throw error }
    }
}

/// A value behind a lock that escaping closures can share (a `Mutex` itself cannot be captured).
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func withLock<T>(_ body: (inout Value) -> T) -> T { mutex.withLock { body(&$0) } }
}

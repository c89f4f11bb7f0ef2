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

/// What every `StateStore` backend must do, written once for all of them (SQLite, Redis): the contract in the
/// doc comments of `StateStore`, checked through what a caller can see. Each check takes a factory (see
/// `StateStoreFactory`) and throws `ConformanceFailure` when the store misbehaves.
///
/// The checks use keys of their own (a random prefix per run), so several may share one store, with these
/// exceptions, which need a store nobody else writes to while they run: the `waitForChange` checks (any write
/// may wake a waiter) and the `complete` snapshot's exclusion of unmirrored kinds (it looks at every entry).
///
/// Times are real Unix seconds (`Keys.now`, taken as a check starts), never an earlier time: a backend may hand
/// expiry to its server, whose clock then drops entries too (Redis). "Later" is asked for by passing a later
/// `now` to the reads (`get`, `changes`), which hide what is expired by it; never to `putIfAbsent`, whose
/// liveness may be the server's clock, so an expired entry there is one whose `expiresAt` is already past.
/// Nothing sleeps to let time pass.
///
/// The change feed may be asynchronous (Redis pub/sub): a check that looks for another handle's write in
/// `changes` asks again, waiting on `waitForChange` in between, for up to `deliveryBound` seconds (`read`).
public enum StateStoreConformance {
    public static let checks: [StateStoreCheck] = [
        StateStoreCheck(name: "put and get round trip", run: putGetRoundTrip),
        StateStoreCheck(name: "put overwrites", run: putOverwrites),
        StateStoreCheck(name: "expired entries are hidden", run: expiryHidesEntries),
        StateStoreCheck(name: "putIfAbsent: once, not while live, again once expired", run: putIfAbsentOnce),
        StateStoreCheck(name: "remove only with the matching value", run: removeIfValue),
        StateStoreCheck(name: "changes(after: nil): complete snapshot of mirrored kinds", run: changesSnapshot),
        StateStoreCheck(name: "changes(after:): the other handle's writes, current values, settling", run: changesAfterCursor),
        StateStoreCheck(name: "changes(after:) with a cursor not its last: nothing lost", run: changesAfterAnyCursor),
        StateStoreCheck(name: "waitForChange wakes when the other handle writes", run: waitForChangeWakes),
        StateStoreCheck(name: "waitForChange wakes for a write between changes and the wait", run: waitForChangeAfterChanges),
        StateStoreCheck(name: "waitForChange times out when nobody writes", run: waitForChangeTimesOut),
        StateStoreCheck(name: "purgeExpired: expired entries stay hidden, live ones stay", run: purgeExpired),
        StateStoreCheck(name: "putIfAbsent race: 8 threads x 200 tries, two handles, one winner", run: putIfAbsentRace),
    ]

    /// Seconds a change may take to reach another handle's `changes` (asynchronous feeds), and a quiet feed to
    /// settle.
    public static let deliveryBound: Double = 2

    public static func putGetRoundTrip(_ makeStore: StateStoreFactory) throws {
        let (a, b) = (try makeStore(), try makeStore())
        let keys = Keys(), now = Keys.now
        let entry = StateEntry(kind: .refreshed, key: keys["s1"], value: [0, 1, 2, 0xFE, 0xFF, 0, 13, 10], expiresAt: now + 3600)
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
        // Down to nothing: overwritten with an expiry already past, the entry is gone.
        try b.put(StateEntry(kind: .revokedSubject, key: keys["u"], value: [4], expiresAt: now - 1))
        try expect(try a.get(.revokedSubject, keys["u"], now: now) == nil, "an overwrite that is already expired hides the entry")
    }

    public static func expiryHidesEntries(_ makeStore: StateStoreFactory) throws {
        let (a, b) = (try makeStore(), try makeStore())
        let keys = Keys(), now = Keys.now
        let entry = StateEntry(kind: .revokedEmail, key: keys["e"], value: [9], expiresAt: now + 10)
        try a.put(entry)
        try expect(try b.get(.revokedEmail, entry.key, now: now + 9) == entry, "live one second before expiresAt")
        try expect(try b.get(.revokedEmail, entry.key, now: now + 10) == nil, "gone at expiresAt (live means expiresAt > now)")
        try expect(try b.get(.revokedEmail, entry.key, now: now + 11) == nil, "gone after expiresAt")
        let changes = try b.changes(after: nil, now: now + 10)
        try expect(!changes.entries.contains { $0.key == entry.key }, "an expired entry is not in a snapshot")

        // Written already expired (at `now` itself, and before): never seen at all.
        let atNow = StateEntry(kind: .revokedSession, key: keys["at-now"], value: [1], expiresAt: now)
        let past = StateEntry(kind: .refreshed, key: keys["past"], value: [2], expiresAt: now - 5)
        try a.put(atNow)
        try a.put(past)
        try expect(try b.get(.revokedSession, atNow.key, now: now) == nil, "an entry written with expiresAt == now is not live")
        try expect(try b.get(.refreshed, past.key, now: now) == nil, "an entry written already expired is not live")
        let snapshot = try b.changes(after: nil, now: now)
        try expect(!snapshot.entries.contains { $0.key == atNow.key || $0.key == past.key },
                   "entries written already expired are not in a snapshot")
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
        let token = StateEntry(kind: .usedTokenID, key: keys["lock"], expiresAt: now + 30)
        try expect(try a.putIfAbsent(token, now: now), "the same key under another kind is free")

        // An expired entry never counts as live. Expired in real time (expiresAt == now: live means
        // expiresAt > now), whether it was written by put or by putIfAbsent (which then answers true: written).
        let stale = StateEntry(kind: .refreshLock, key: keys["stale"], value: Array("owner-a".utf8), expiresAt: now)
        try a.put(stale)
        let taking = StateEntry(kind: .refreshLock, key: keys["stale"], value: Array("owner-b".utf8), expiresAt: now + 60)
        try expect(try b.putIfAbsent(taking, now: now), "an expired entry does not block putIfAbsent")
        try expect(try a.get(.refreshLock, taking.key, now: now) == taking, "and its value is the new one")
        try expect(try !a.putIfAbsent(stale, now: now), "which is live in its turn")

        let gone = StateEntry(kind: .usedTokenID, key: keys["gone"], value: [1], expiresAt: now - 1)
        try expect(try a.putIfAbsent(gone, now: now), "a putIfAbsent of an entry already expired writes (true)")
        try expect(try a.get(.usedTokenID, gone.key, now: now) == nil, "but nothing is live")
        let again = StateEntry(kind: .usedTokenID, key: keys["gone"], value: [2], expiresAt: now + 60)
        try expect(try b.putIfAbsent(again, now: now), "so it does not block the next putIfAbsent")
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
        try b.remove(.usedTokenID, lock.key, ifValue: lock.value)
        try expect(try a.get(.refreshLock, lock.key, now: now) == lock, "remove of another kind leaves the entry")
        try b.remove(.refreshLock, lock.key, ifValue: lock.value)
        try expect(try a.get(.refreshLock, lock.key, now: now) == nil, "remove with the value removes it")
        let next = StateEntry(kind: .refreshLock, key: keys["lock"], value: Array("owner-b".utf8), expiresAt: now + 30)
        try expect(try a.putIfAbsent(next, now: now), "a removed lock is free to take")
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
        try expect(first.complete && first.entries.contains(old), "the snapshot holds the entry written before it")

        let new = StateEntry(kind: .refreshed, key: keys["new"], value: [2], expiresAt: now + 3600)
        let once = StateEntry(kind: .revokedEmail, key: keys["once"], value: [3], expiresAt: now + 3600)
        try b.put(new)
        try b.put(StateEntry(kind: .refreshLock, key: keys["lock"], value: [3], expiresAt: now + 3600))
        try b.put(StateEntry(kind: .usedTokenID, key: keys["jti"], expiresAt: now + 3600))
        try expect(try b.putIfAbsent(once, now: now), "putIfAbsent of a mirrored kind writes")
        let second = try read(a, after: first.cursor, now: now) { $0.entries.contains(new) && $0.entries.contains(once) }
        try expect(second.entries.contains(new), "an entry written through the other handle after the cursor is reported, within \(deliveryBound) s: \(second)")
        try expect(second.entries.contains(once), "so is one written by putIfAbsent: \(second)")
        try expect(!second.entries.contains { !$0.kind.isMirrored }, "unmirrored kinds are never reported: \(second)")
        // Delivery is at least once: an answer may repeat an entry (here `old`, whose write may cross the
        // snapshot), but always as it is now.
        try expect(second.entries.filter { keys.owns($0.key) }.allSatisfy { [old, new, once].contains($0) },
                   "every entry reported is one written, with its value and expiry: \(second)")

        // Repeats stop: with nobody writing, an incremental answer soon holds nothing of ours.
        let quiet = try read(a, after: second.cursor, now: now) { $0.isQuiet(keys) }
        try expect(quiet.isQuiet(keys), "once nobody writes, an incremental answer with nothing of ours comes within \(deliveryBound) s: \(quiet)")

        let overwritten = StateEntry(kind: .revokedSession, key: keys["old"], value: [4], expiresAt: now + 7200)
        try b.put(overwritten)
        let fourth = try read(a, after: quiet.cursor, now: now) { $0.entries.contains(overwritten) }
        try expect(fourth.entries.contains(overwritten), "an overwrite is a change, reported with its new value: \(fourth)")
        try expect(!fourth.entries.contains(old), "never with the value it had before: \(fourth)")
        try expect(!fourth.answers.contains { !$0.complete && $0.entries.contains { $0.key == new.key || $0.key == once.key } },
                   "after a quiet answer, entries not written since are not reported again: \(fourth)")
    }

    /// A cursor that is not this handle's last (another handle's; an older one of its own, as the sync loop
    /// holds after a `changes` that failed): the changes since it, or everything (`complete`), never less.
    public static func changesAfterAnyCursor(_ makeStore: StateStoreFactory) throws {
        let (a, b) = (try makeStore(), try makeStore())
        let keys = Keys(), now = Keys.now
        let theirs = try b.changes(after: nil, now: now).cursor
        let first = StateEntry(kind: .revokedSession, key: keys["first"], value: [1], expiresAt: now + 3600)
        try b.put(first)
        // `a` reads the write (its snapshot has it) and settles (any announcement of it read too) first.
        let caughtUp = try read(a, after: nil, now: now) { $0.entries.contains(first) && $0.isQuiet(keys) }
        try expect(caughtUp.isQuiet(keys), "the feed settles within \(deliveryBound) s: \(caughtUp)")
        let answer = try a.changes(after: theirs, now: now)
        try expect(answer.entries.contains(first), "with the other handle's cursor, a change after that cursor is reported")

        let older = answer.cursor
        let second = StateEntry(kind: .revokedSubject, key: keys["second"], value: [2], expiresAt: now + 3600)
        try b.put(second)
        let seen = try read(a, after: older, now: now) { $0.entries.contains(second) && $0.isQuiet(keys) }
        try expect(seen.entries.contains(second) && seen.isQuiet(keys), "a change is reported and the feed settles: \(seen)")
        let again = try a.changes(after: older, now: now)
        try expect(again.entries.contains(second), "with an older cursor of its own, a change after that cursor is reported")
        try expect(!again.entries.contains { !$0.kind.isMirrored }, "unmirrored kinds are never reported")
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
        try expect(after.entries.contains(entry), "the change it woke for is in the next changes answer")
    }

    /// The sync loop asks `changes`, then waits: a write landing between the two must still wake the wait, and
    /// once read, must not wake the next wait again.
    public static func waitForChangeAfterChanges(_ makeStore: StateStoreFactory) throws {
        let (a, b) = (try makeStore(), try makeStore())
        let keys = Keys(), now = Keys.now
        let before = try a.changes(after: nil, now: now)
        let entry = StateEntry(kind: .revokedSubject, key: keys["u"], value: [6], expiresAt: now + 3600)
        try b.put(entry)
        let started = ContinuousClock.now
        let woke = try a.waitForChange(timeout: 3)
        let waited = ContinuousClock.now - started
        try expect(woke, "a write after the last changes answer wakes the next wait, though it came before the call")
        try expect(waited < .seconds(1.5), "and soon: it took \(waited)")
        let after = try a.changes(after: before.cursor, now: now)
        try expect(after.entries.contains(entry), "the change it woke for is in the next changes answer")
        // One more wake for a change already read is allowed (it may have crossed the answer); a third is not.
        _ = try a.waitForChange(timeout: 0.3)
        _ = try a.changes(after: after.cursor, now: now)
        try expect(try !a.waitForChange(timeout: 0.5), "once its change is read, waitForChange does not keep waking for it")
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

    /// What a caller sees around `purgeExpired`: nothing. Expired entries are hidden purged or not (SQLite
    /// deletes them; Redis has already), and live ones stay, with everything they do. Whether a purge deleted
    /// anything is the backend's own test.
    public static func purgeExpired(_ makeStore: StateStoreFactory) throws {
        let (a, b) = (try makeStore(), try makeStore())
        let keys = Keys(), now = Keys.now
        let past = StateEntry(kind: .revokedSession, key: keys["past"], value: [1], expiresAt: now - 5)
        let atNow = StateEntry(kind: .refreshLock, key: keys["at-now"], value: [2], expiresAt: now)
        let soon = StateEntry(kind: .revokedSession, key: keys["soon"], value: [3], expiresAt: now + 30)
        let long = StateEntry(kind: .revokedSession, key: keys["long"], value: [4], expiresAt: now + 3600)
        let lock = StateEntry(kind: .refreshLock, key: keys["lock"], value: [5], expiresAt: now + 3600)
        for entry in [past, atNow, soon, long, lock] { try a.put(entry) }
        try b.purgeExpired(now: now)
        // A purge asked for a later time still keeps what lives beyond it.
        try b.purgeExpired(now: now + 20)

        for (name, store) in [("the purging handle", b), ("the other handle", a)] {
            try expect(try store.get(.revokedSession, past.key, now: now) == nil, "\(name): an expired entry stays hidden")
            try expect(try store.get(.refreshLock, atNow.key, now: now) == nil, "\(name): so does one expiring at purge time")
            for entry in [soon, long, lock] {
                try expect(try store.get(entry.kind, entry.key, now: now) == entry, "\(name): the live \(entry.key) is kept")
            }
        }
        let snapshot = try a.changes(after: nil, now: now)
        let ours = snapshot.entries.filter { keys.owns($0.key) }
        try expect(ours.count == 2 && ours.contains(soon) && ours.contains(long),
                   "a snapshot after the purge holds the live mirrored entries, nothing expired: \(ours)")
        try expect(try !a.putIfAbsent(StateEntry(kind: .refreshLock, key: lock.key, value: [6], expiresAt: now + 60), now: now),
                   "a live lock still blocks putIfAbsent")
        try expect(try !b.putIfAbsent(StateEntry(kind: .revokedSession, key: soon.key, value: [6], expiresAt: now + 60), now: now),
                   "so does any live entry")
        let retaken = StateEntry(kind: .refreshLock, key: atNow.key, value: [7], expiresAt: now + 60)
        try expect(try a.putIfAbsent(retaken, now: now), "an expired lock does not")
        try expect(try b.putIfAbsent(StateEntry(kind: .revokedSession, key: past.key, value: [8], expiresAt: now + 60), now: now),
                   "nor any expired entry")
        try expect(try b.get(.refreshLock, atNow.key, now: now) == retaken, "the retaken lock reads back")
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

    /// What a check read from the feed: every answer, in order.
    struct FeedRead: CustomStringConvertible {
        var answers: [StateChanges] = []
        var cursor: StateCursor?
        /// Every entry of every answer (an entry may be in several).
        var entries: [StateEntry] { answers.flatMap(\.entries) }
        /// The last answer is incremental and holds nothing of `keys`: the feed has settled.
        func isQuiet(_ keys: Keys) -> Bool {
            answers.last.map { !$0.complete && !$0.entries.contains { keys.owns($0.key) } } ?? false
        }
        var description: String {
            "answers " + answers.map { answer in
                (answer.complete ? "complete " : "") + "[" + answer.entries.map { "\($0.kind.rawValue) \($0.key) \($0.value)" }
                    .joined(separator: ", ") + "]"
            }.joined(separator: "; ")
        }
    }

    /// Asks `store` for changes from `cursor` on, each time from the last answer's cursor, until `done` holds
    /// for what it read or `deliveryBound` seconds have passed, waiting on `waitForChange` (at most 0.25 s at a
    /// time) between asks. The caller then checks what it read: this only waits, it never fails.
    static func read(
        _ store: any StateStore, after cursor: StateCursor?, now: Int64, until done: (FeedRead) -> Bool
    ) throws -> FeedRead {
        var read = FeedRead(cursor: cursor)
        let deadline = ContinuousClock.now + .seconds(deliveryBound)
        while true {
            let answer = try store.changes(after: read.cursor, now: now)
            read.answers.append(answer)
            read.cursor = answer.cursor
            let left = deadline - .now
            if done(read) || left <= .zero { return read }
            _ = try store.waitForChange(timeout: min(0.25, left / .seconds(1)))
        }
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

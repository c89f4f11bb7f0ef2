@testable import GatehouseCore
import Synchronization

/// The state store in memory, for unit tests of the session lifecycle (the real backends have their own tests
/// against SQLite and Redis). `down` makes every call fail, as an unreachable store does.
final class MemoryStateStore: StateStore {
    struct Row { var entry: StateEntry; var seq: Int64 }
    struct Tables { var rows: [String: Row] = [:]; var seq: Int64 = 0; var down = false; var failPuts = false; var puts = 0 }
    let tables = Mutex(Tables())
    var description: String { "memory" }

    func setDown(_ down: Bool) { tables.withLock { $0.down = down } }

    private func key(_ kind: StateEntry.Kind, _ key: String) -> String { kind.rawValue + ":" + key }
    private func live<T>(_ body: (inout Tables) -> T) throws(StateStoreError) -> T {
        let (down, result) = tables.withLock { t -> (Bool, T?) in t.down ? (true, nil) : (false, body(&t)) }
        if down { throw StateStoreError("store down") }
        return result!
    }

    func put(_ entry: StateEntry) throws(StateStoreError) {
        if tables.withLock({ $0.failPuts }) { throw StateStoreError("store refuses writes") }
        try live { t in t.seq += 1; t.puts += 1; t.rows[key(entry.kind, entry.key)] = Row(entry: entry, seq: t.seq) }
    }
    func putIfAbsent(_ entry: StateEntry, now: Int64) throws(StateStoreError) -> Bool {
        try live { t in
            if let r = t.rows[key(entry.kind, entry.key)], r.entry.expiresAt > now { return false }
            t.seq += 1
            t.rows[key(entry.kind, entry.key)] = Row(entry: entry, seq: t.seq)
            return true
        }
    }
    func get(_ kind: StateEntry.Kind, _ k: String, now: Int64) throws(StateStoreError) -> StateEntry? {
        try live { t in t.rows[key(kind, k)].flatMap { $0.entry.expiresAt > now ? $0.entry : nil } }
    }
    func remove(_ kind: StateEntry.Kind, _ k: String, ifValue value: [UInt8]) throws(StateStoreError) {
        try live { t in if t.rows[key(kind, k)]?.entry.value == value { t.rows[key(kind, k)] = nil } }
    }
    func changes(after cursor: StateCursor?, now: Int64) throws(StateStoreError) -> StateChanges {
        try live { t in
            let from = cursor?.position ?? -1
            let rows = t.rows.values.filter { $0.seq > from && $0.entry.kind.isMirrored && $0.entry.expiresAt > now }.sorted { $0.seq < $1.seq }
            return StateChanges(entries: rows.map(\.entry), cursor: StateCursor(t.seq), complete: cursor == nil)
        }
    }
    func waitForChange(timeout: Double) throws(StateStoreError) -> Bool { false }
    func purgeExpired(now: Int64) throws(StateStoreError) { try live { t in t.rows = t.rows.filter { $0.value.entry.expiresAt > now } } }
}

/// A clock the test moves.
final class TestClock: Sendable {
    let time: Mutex<Int64>
    init(_ t: Int64) { time = Mutex(t) }
    var now: Int64 { time.withLock { $0 } }
    func advance(_ seconds: Int64) { time.withLock { $0 += seconds } }
}

import Synchronization

/// How the state store looked at the last sync: what `<prefix>/health` reports. `SessionLifecycle.sync` and
/// `waitForChange` write it (the sync thread, and the full sync before the first check); the health route reads
/// it. No I/O of its own, so the health answer never waits on the store.
public final class StoreHealth: Sendable {
    public struct Snapshot: Sendable, Equatable {
        /// Unix time of the last sync that read the store to the end, nil before the first.
        public var lastSync: Int64?
        /// Whether the store answered the last time the sync thread asked it (a sync or a wait for changes).
        public var reachable: Bool
    }

    private let state = Mutex(Snapshot(lastSync: nil, reachable: false))

    public init() {}

    func synced(now: Int64) {
        state.withLock { $0.lastSync = now; $0.reachable = true }
    }

    func failed() {
        state.withLock { $0.reachable = false }
    }

    public var snapshot: Snapshot { state.withLock { $0 } }
}

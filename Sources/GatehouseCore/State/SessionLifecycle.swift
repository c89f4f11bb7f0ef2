import GatehouseCrypto
import Logging
import Synchronization

/// What may change about a session after login, for every instance that shares one `StateStore`:
/// - the check asks `current(_:now:)`, which reads only the in-memory mirror (`SessionState`) and, when the
///   session is due, queues a background refresh (`RefreshQueue`, run by `Refresher`);
/// - sign-out, back-channel logout and the command line revoke through it (store first, then the own mirror);
/// - a background thread calls `sync(now:)` to bring the mirror up to date with what other instances wrote.
///
/// The protocol (locks, rotating refresh tokens, revocations that no refresh can undo) is modelled in
/// `SessionProtocol.pml` next to this file and checked with spin.
public final class SessionLifecycle: Sendable {
    public let store: any StateStore
    let state: SessionState
    let queue: RefreshQueue
    let config: StateConfig
    /// `cookie_lifetime` in seconds: how long a per-user revocation must outlive its time.
    let lifetime: Int64
    let logger: Logger
    let metrics: GatehouseMetrics
    /// This process, in the store's refresh locks.
    let instanceID: String
    private let cursor = Mutex<StateCursor?>(nil)
    /// Writes that failed while the store was down, retried first by `sync` (a refreshed record is never lost).
    /// Shared with the lifecycle that continues this one after a reload.
    private let unsaved: UnsavedWrites
    /// The outcome of the last `sync`, for `<prefix>/health`; carried over a reload like `unsaved`, so a reload
    /// does not report the store unreachable until the next sync.
    public let health: StoreHealth

    public init(store: any StateStore, config: GatehouseConfig, logger: Logger, random: any RandomBytesSource = SecureRandom(),
                metrics: GatehouseMetrics = GatehouseMetrics(), continuing previous: SessionLifecycle? = nil) throws(CryptoError) {
        self.metrics = metrics
        unsaved = previous?.unsaved ?? UnsavedWrites()
        health = previous?.health ?? StoreHealth()
        self.store = store
        self.config = config.state
        lifetime = config.cookie.lifetime.wholeSeconds
        state = SessionState(capacity: config.state.revocationCapacity, lifetime: lifetime,
                             sealer: try StateSealer(secrets: config.auth.cookieSecrets))
        queue = RefreshQueue(retryDelay: max(5, min(60, config.state.refreshInterval.wholeSeconds / 4)))
        self.logger = logger
        // A reload's lifecycle is the same process in the store's locks: it may finish what the previous one held.
        instanceID = previous?.instanceID ?? Base64URL.encode(random.bytes(9))
    }

    // MARK: the check

    public enum Current: Equatable {
        /// The session's latest refreshed state, if it was ever refreshed (`RefreshedSession.applied(to:)`).
        case live(RefreshedSession?)
        /// Signed out, revoked, refused at refresh, or not refreshed within the grace period.
        case ended(Reason)
    }

    public enum Reason: String, Sendable { case revoked, notRefreshed = "not refreshed in time" }

    /// The session as it stands now. Never does I/O: the mirror and, at most, a queued refresh.
    public func current(_ session: Session, now: Int64) -> Current {
        switch state.lookup(session) {
        case .revoked: return .ended(.revoked)
        case .live(let refreshed):
            guard let due = refreshDue(session, refreshed) else { return .live(refreshed) }
            if now >= due, session.refreshToken != nil { queue.add(session, now: now) }
            if now >= due + config.refreshGrace.wholeSeconds { return .ended(.notRefreshed) }
            return .live(refreshed)
        }
    }

    /// When `session` is next due for a refresh, from the mirror only (for how long a check's 200 may be cached):
    /// nil when it never is (no refresh token and none required), `.min` when it was revoked meanwhile.
    public func refreshDue(_ session: Session) -> Int64? {
        switch state.lookup(session) {
        case .revoked: return .min
        case .live(let refreshed): return refreshDue(session, refreshed)
        }
    }

    private func refreshDue(_ session: Session, _ refreshed: RefreshedSession?) -> Int64? {
        guard session.refreshToken != nil || config.requireRefresh else { return nil }
        return max(refreshed?.refreshedAt ?? session.issuedAt, session.issuedAt) + config.refreshInterval.wholeSeconds
    }

    // MARK: revocations (these write to the store)

    /// Ends one session everywhere (sign-out; a refresh the provider refused; `session revoke --session`).
    public func revoke(session id: SessionID, expiresAt: Int64, now: Int64) throws(StateStoreError) {
        try write(StateEntry(kind: .revokedSession, key: id.text, expiresAt: expiresAt), now: now)
    }

    public enum Scope: Sendable {
        case subject(issuer: String, subject: String)
        case providerSession(issuer: String, sid: String)
        case email(String)
    }

    /// Ends every session of a user, a provider session or an email address that began at or before `before`.
    public func revoke(_ scope: Scope, before: Int64, now: Int64) throws(StateStoreError) {
        let (kind, key): (StateEntry.Kind, String)
        switch scope {
        case .subject(let iss, let sub): (kind, key) = (.revokedSubject, StateKeys.subject(issuer: iss, subject: sub))
        case .providerSession(let iss, let sid): (kind, key) = (.revokedProviderSession, StateKeys.providerSession(issuer: iss, sid: sid))
        case .email(let address): (kind, key) = (.revokedEmail, StateKeys.email(address))
        }
        // Sessions that began before `before` live at most `cookie_lifetime` (+ a minute of clock leeway).
        try write(StateEntry(kind: kind, key: key, value: Array(String(before).utf8), expiresAt: before + lifetime + 60), now: now)
    }

    /// True the first time `key` is used before `expiresAt` (a logout token's jti), across all instances.
    func useOnce(_ key: String, expiresAt: Int64, now: Int64) throws(StateStoreError) -> Bool {
        try store.putIfAbsent(StateEntry(kind: .usedTokenID, key: key, expiresAt: expiresAt), now: now)
    }

    /// The store first (so every instance learns it), then this instance's mirror at once.
    func write(_ entry: StateEntry, now: Int64) throws(StateStoreError) {
        defer { state.apply(entry, now: now) }
        try store.put(entry)
        if let label = entry.kind.revocationLabel { metrics.revocation(label) }
    }

    /// A write that must not be lost (a refresh's result): in this mirror at once; kept and retried by `sync` while
    /// the store is down.
    func writeOrKeep(_ entry: StateEntry, now: Int64) {
        state.apply(entry, now: now)
        if let label = entry.kind.revocationLabel { metrics.revocation(label) }
        do { try store.put(entry) } catch {
            logger.warning("state store unreachable: a refresh's result is kept here and written when it is back",
                           metadata: ["store": .string(store.description), "detail": .string(error.description)])
            unsaved.withLock { $0.append(entry) }
        }
    }

    /// At shutdown: one last try to write what the store could not take (a new refresh token lost here would
    /// end its session at the next refresh, rule R4 of `SessionProtocol.pml`). False when something is left.
    public func flushUnsaved(now: Int64) -> Bool {
        let kept = unsaved.withLock { all -> [StateEntry] in defer { all.removeAll() }; return all }
        var left: [StateEntry] = []
        for entry in kept where entry.expiresAt > now {
            do { try store.put(entry) } catch { left.append(entry) }
        }
        unsaved.withLock { $0.append(contentsOf: left) }
        return left.isEmpty
    }

    var hasUnsaved: Bool { unsaved.withLock { !$0.isEmpty } }

    // MARK: the background sync

    /// Brings the mirror up to date: first the writes kept while the store was down, then what changed.
    /// `full` asks for every entry (the periodic resync, and after the store came back). Its outcome is `health`.
    public func sync(now: Int64, full: Bool = false) throws(StateStoreError) {
        do throws(StateStoreError) { try syncOnce(now: now, full: full) } catch {
            health.failed()
            throw error
        }
        health.synced(now: now)
    }

    private func syncOnce(now: Int64, full: Bool) throws(StateStoreError) {
        let kept = unsaved.withLock { all -> [StateEntry] in defer { all.removeAll() }; return all }
        for (i, entry) in kept.enumerated() where entry.expiresAt > now {
            do { try store.put(entry) } catch {
                unsaved.withLock { $0.append(contentsOf: kept[i...]) }
                throw error
            }
        }
        let from = full ? nil : cursor.withLock { $0 }
        let changes = try store.changes(after: from, now: now)
        state.apply(changes, now: now)
        cursor.withLock { $0 = changes.cursor }
        if changes.complete { state.removeExpired(now: now, staleBefore: now - config.refreshInterval.wholeSeconds - config.refreshGrace.wholeSeconds) }
    }

    /// Waits (on the sync thread) for another instance's change, at most `timeout` seconds.
    public func waitForChange(timeout: Double) throws(StateStoreError) -> Bool {
        do throws(StateStoreError) { return try store.waitForChange(timeout: timeout) } catch {
            health.failed()
            throw error
        }
    }

    /// Housekeeping for the sync thread: the store's expired entries, the mirror's.
    public func purge(now: Int64) throws(StateStoreError) {
        state.removeExpired(now: now, staleBefore: now - config.refreshInterval.wholeSeconds - config.refreshGrace.wholeSeconds)
        try store.purgeExpired(now: now)
    }

    /// For logs: what the mirror holds.
    public var mirrorSummary: String {
        let c = state.counts
        return "revoked sessions \(c.sessions), per-user revocations \(c.users), refreshed sessions \(c.refreshed)" + (c.overCapacity ? " (over revocation_capacity)" : "")
    }
}

/// The writes a lifecycle keeps while the store is down: one list for a process, whichever lifecycle (the one
/// before a reload or after it) wrote them, so none is lost when a reload swaps the core during an outage.
final class UnsavedWrites: Sendable {
    private let entries = Mutex<[StateEntry]>([])

    func withLock<R: Sendable>(_ body: (inout [StateEntry]) -> R) -> R {
        entries.withLock { body(&$0) }
    }
}

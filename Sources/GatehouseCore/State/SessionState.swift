
/// The in-memory mirror of the state store, which the check reads and never waits for: revocations (session ids
/// in a bounded `RevokedSessionSet`; users, provider sessions and email addresses as "revoked before" times)
/// and the newest refreshed state of each session. Kept current by `SessionLifecycle.sync` on a background
/// thread. Checks read it under a shared lock (`ReadWriteLock`: they never wait for each other), for a few hash
/// lookups only.
///
/// Memory: a revoked session costs `RevokedSessionSet`'s bits per entry; a per-user revocation ~100 bytes; a
/// refreshed session its claims (capped at `refreshedCapacity` entries: one dropped is read from the store again
/// at its next refresh).
public final class SessionState: Sendable {
    /// Only ever touched under `mirror`'s lock (shared for reads, which change nothing), hence unchecked.
    struct Mirror: @unchecked Sendable {
        var sessions: RevokedSessionSet
        /// Key → the time before which sessions are revoked, and when the entry expires.
        var subjects: [StateKeys.Hashed: Before] = [:]
        var providerSessions: [StateKeys.Hashed: Before] = [:]
        var emails: [StateKeys.Hashed: Before] = [:]
        var refreshed: [SessionID: RefreshedSession] = [:]
    }

    struct Before { var time: Int64; var expiresAt: Int64 }

    private let mirror: ReadWriteLock<Mirror>
    let sealer: StateSealer
    let refreshedCapacity: Int

    init(capacity: Int, lifetime: Int64, sealer: StateSealer, refreshedCapacity: Int = 200_000) {
        mirror = ReadWriteLock(Mirror(sessions: RevokedSessionSet(capacity: capacity, lifetime: lifetime)))
        self.sealer = sealer
        self.refreshedCapacity = refreshedCapacity
    }

    enum Lookup: Equatable {
        case revoked
        /// The session's newest refreshed state, if it was ever refreshed.
        case live(RefreshedSession?)
    }

    /// Revoked, or its refreshed state. `session.id` and `session.keys` are set (`SessionCookie.read`).
    func lookup(_ session: Session) -> Lookup {
        guard let id = session.id else { return .live(nil) }
        return mirror.read { m in
            if m.sessions.contains(id, expiresAt: session.expiresAt) { return .revoked }
            if let keys = session.keys {
                if let k = keys.subject, let b = m.subjects[k], session.issuedAt <= b.time { return .revoked }
                if let k = keys.providerSession, let b = m.providerSessions[k], session.issuedAt <= b.time { return .revoked }
                if let k = keys.email, let b = m.emails[k], session.issuedAt <= b.time { return .revoked }
            }
            return .live(m.refreshed[id])
        }
    }

    /// Adds one store entry (from the change feed, or written by this instance).
    func apply(_ entry: StateEntry, now: Int64) {
        guard entry.expiresAt > now else { return }
        mirror.write { m in Self.add(entry, to: &m, sealer: sealer, capacity: refreshedCapacity, now: now) }
    }

    /// A batch from the change feed, incremental or complete (a full resync). Both are merged: what the mirror
    /// knows leaves it only by expiry, so a store that lost entries (a Redis restarted without persistence) never
    /// un-revokes a session this instance has seen revoked.
    func apply(_ changes: StateChanges, now: Int64) {
        mirror.write { m in
            for entry in changes.entries where entry.expiresAt > now {
                Self.add(entry, to: &m, sealer: sealer, capacity: refreshedCapacity, now: now)
            }
        }
    }

    private static func add(_ entry: StateEntry, to m: inout Mirror, sealer: StateSealer, capacity: Int, now: Int64) {
        func revokedBefore(_ table: inout [StateKeys.Hashed: Before]) {
            guard let key = StateKeys.Hashed(entry.key),
                  let time = Int64(String(decoding: entry.value, as: UTF8.self)) else { return }
            table[key] = max(Before(time: time, expiresAt: entry.expiresAt), table[key])
        }
        switch entry.kind {
        case .revokedSession:
            if let id = SessionID(base64url: entry.key) { m.sessions.insert(id, expiresAt: entry.expiresAt) }
        case .revokedSubject: revokedBefore(&m.subjects)
        case .revokedProviderSession: revokedBefore(&m.providerSessions)
        case .revokedEmail: revokedBefore(&m.emails)
        case .refreshed:
            guard let id = SessionID(base64url: entry.key), var record = sealer.open(entry.value, for: id) else { return }
            // An older record (a late notification) never replaces a newer one.
            if let known = m.refreshed[id], known.refreshedAt > record.refreshedAt { return }
            record.refreshToken = nil
            if m.refreshed.count >= capacity, m.refreshed[id] == nil { m.refreshed.removeAll(keepingCapacity: true) }
            m.refreshed[id] = record
        case .refreshLock, .usedTokenID: break
        }
    }

    private static func max(_ a: Before, _ b: Before?) -> Before {
        guard let b else { return a }
        return Before(time: Swift.max(a.time, b.time), expiresAt: Swift.max(a.expiresAt, b.expiresAt))
    }

    /// Drops what has expired (the housekeeping of the sync thread).
    func removeExpired(now: Int64, staleBefore: Int64) {
        mirror.write { m in
            m.sessions.removeExpired(now: now)
            m.subjects = m.subjects.filter { $0.value.expiresAt > now }
            m.providerSessions = m.providerSessions.filter { $0.value.expiresAt > now }
            m.emails = m.emails.filter { $0.value.expiresAt > now }
            m.refreshed = m.refreshed.filter { $0.value.refreshedAt > staleBefore }
        }
    }

    /// What the mirror holds, for logs and tests.
    var counts: (sessions: Int, users: Int, refreshed: Int, overCapacity: Bool) {
        mirror.read { ($0.sessions.count, $0.subjects.count + $0.providerSessions.count + $0.emails.count, $0.refreshed.count, $0.sessions.isOverCapacity) }
    }
}

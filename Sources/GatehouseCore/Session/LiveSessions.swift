/// The session of a request as it stands now: the cookie's (`SessionCookie`), unless it was revoked since, with
/// the claims and tokens of its latest refresh (`SessionLifecycle`, when a state store is configured).
/// Every route that asks "who is this?" asks here, so a revoked session is gone for all of them at once.
struct LiveSessions: Sendable {
    let cookie: SessionCookie
    let lifecycle: SessionLifecycle?

    func read(_ cookies: RequestCookies, now: Int64) -> Session? {
        guard let session = cookie.read(cookies, now: now) else { return nil }
        guard let lifecycle else { return session }
        switch lifecycle.current(session, now: now) {
        // The common case (never refreshed) hands back the cookie's session as it is, without a copy.
        case .live(let refreshed): return refreshed.map { $0.applied(to: session) } ?? session
        case .ended: return nil
        }
    }
}

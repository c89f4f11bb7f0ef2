/// Makes a new session fit its cookie (at most `ChunkedCookie.maxWrittenChunks` chunks), in this order:
/// 1. `session_groups`, when set, keeps only the groups it names (always, so a session holds what rules and
///    headers use whatever the provider sends);
/// 2. a session still too large keeps no groups at all rather than some: a partial list would let a
///    downstream "not in group X" test pass wrongly. `groupsDropped` makes group rules refuse, and the login
///    logs how many groups there were and which setting fixes it.
/// The user can always sign in; only what needs the dropped groups is refused.
struct SessionFitting: Sendable {
    /// Claim paths that hold groups (the rules' and the headers'; usually both `groups`).
    let groupClaims: Set<String>
    let keep: [String]?

    init(config: GatehouseConfig) {
        groupClaims = [config.rules.groupsClaim, config.headers.groupsClaim]
        keep = config.cookie.sessionGroups
    }

    /// The Set-Cookie headers and the session they hold; nil when even a session without groups does not fit.
    func cookies(for session: Session, sessions: SessionCookie, existing: RequestCookies) -> (cookies: [SetCookie], session: Session)? {
        var session = session
        session.claims = keepingGroups(session.claims)
        if let cookies = sessions.write(session, existing: existing) { return (cookies, session) }
        for path in groupClaims where session.claim(path) != nil {
            session.claims = Self.setting(path, in: session.claims, to: nil)
            session.groupsDropped = true
        }
        guard session.groupsDropped, let cookies = sessions.write(session, existing: existing) else { return nil }
        return (cookies, session)
    }

    /// The claims with only the groups `session_groups` names (all of them when it is not set).
    func keepingGroups(_ claims: [String: JSONValue]) -> [String: JSONValue] {
        guard let keep else { return claims }
        var claims = claims
        for path in groupClaims {
            guard let groups = Session(provider: "", claims: claims, issuedAt: 0, expiresAt: 0).claim(path)?.arrayValue else { continue }
            claims = Self.setting(path, in: claims, to: .array(groups.filter { Self.matches($0, keep) }))
        }
        return claims
    }

    static func matches(_ group: JSONValue, _ patterns: [String]) -> Bool {
        guard let name = group.stringValue else { return false }
        return patterns.contains { $0.hasSuffix("*") ? name.hasPrefix($0.dropLast()) : name == $0 }
    }

    /// `claims` with the value at a dotted path replaced (nil removes it); objects on the way are kept.
    static func setting(_ path: String, in claims: [String: JSONValue], to value: JSONValue?) -> [String: JSONValue] {
        var claims = claims
        if claims[path] != nil || !path.contains(".") {
            claims[path] = value
            return claims
        }
        let parts = path.split(separator: ".", maxSplits: 1).map(String.init)
        guard let inner = claims[parts[0]]?.objectValue else { return claims }
        claims[parts[0]] = .object(setting(parts[1], in: inner, to: value))
        return claims
    }
}

@testable import GatehouseCore
import Testing

/// What the check keeps with a cached session (`SessionMemo`, `SessionCache`) must never differ from what it
/// would compute afresh: not after a refresh, not for another configuration, not for a value that shares a
/// fingerprint with a cached one.
@Suite struct SessionMemoTests {
    let config = Fixture.config()

    func cached(_ cookie: SessionCookie, _ session: Session = Fixture.diana) throws -> Session {
        let jar = RequestCookies(header: "_gatehouse=\(cookie.seal(session))")
        return try #require(cookie.read(jar, now: Fixture.now))
    }

    func headers(_ h: [Response.Header]) -> [String: String] {
        Dictionary(h.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
    }

    @Test func aCachedSessionKeepsItsHeadersAndTheyEqualAFreshComputation() throws {
        let cookie = try SessionCookie(config)
        let identity = IdentityHeaders(config: config.headers)
        let jar = RequestCookies(header: "_gatehouse=\(cookie.seal(Fixture.diana))")
        let session = try #require(cookie.read(jar, now: Fixture.now))
        #expect(session.memo.memo != nil)
        let first = identity.responderHeaders(for: session)
        // The same cookie again: the same cached session, its memo already filled.
        let again = try #require(cookie.read(jar, now: Fixture.now))
        #expect(again.memo.memo === session.memo.memo)
        #expect(identity.responderHeaders(for: again) == first)
        var fresh = session
        fresh.memo = MemoHandle()
        #expect(identity.responderHeaders(for: fresh) == first)
        #expect(identity.authorizerHeaders(for: again) == identity.authorizerHeaders(for: fresh))
        #expect(headers(first)["X-Auth-Request-Email"] == "diana@example.org")
    }

    @Test func changingAFieldTheHeadersComeFromDropsTheMemo() throws {
        let cookie = try SessionCookie(config)
        let identity = IdentityHeaders(config: config.headers)
        var session = try cached(cookie)
        _ = identity.responderHeaders(for: session)
        session.claims["email"] = .string("someone.else@example.org")
        #expect(session.memo.memo == nil)
        #expect(headers(identity.responderHeaders(for: session))["X-Auth-Request-Email"] == "someone.else@example.org")
        let changes: [(inout Session) -> Void] = [{ $0.provider = "other" }, { $0.groupsDropped = true },
                                                  { $0.accessToken = "new-access" }, { $0.idToken = "new-id" }]
        for change in changes {
            var s = try cached(cookie)
            change(&s)
            #expect(s.memo.memo == nil)
        }
    }

    @Test func aRefreshedSessionGetsTheRefreshsClaimsNotTheCookiesMemo() throws {
        let cookie = try SessionCookie(config)
        let identity = IdentityHeaders(config: config.headers)
        let session = try cached(cookie)
        #expect(headers(identity.responderHeaders(for: session))["X-Auth-Request-Groups"] == "admins,staff")
        var claims = session.claims
        claims["groups"] = JSONValue.array([JSONValue.string("staff")])
        let record = RefreshedSession(claims: claims, accessToken: nil, idToken: nil, refreshToken: nil,
                                      refreshedAt: Fixture.now, groupsDropped: false)
        let refreshed = record.applied(to: session)
        #expect(headers(identity.responderHeaders(for: refreshed))["X-Auth-Request-Groups"] == "staff")
        // Applied again (the next check): the record's memo, still the refreshed claims.
        #expect(record.applied(to: session).memo.memo === refreshed.memo.memo)
        #expect(headers(identity.responderHeaders(for: record.applied(to: session)))["X-Auth-Request-Groups"] == "staff")
        // The cookie's own session is unchanged.
        #expect(headers(identity.responderHeaders(for: session))["X-Auth-Request-Groups"] == "admins,staff")
    }

    @Test func anotherConfigurationComputesItsOwn() throws {
        let cookie = try SessionCookie(config)
        let session = try cached(cookie)
        let plain = IdentityHeaders(config: config.headers)
        let renamed = IdentityHeaders(config: Fixture.config("[gatehouse.headers]\nemail = \"X-Mail\"").headers)
        #expect(headers(plain.responderHeaders(for: session))["X-Auth-Request-Email"] == "diana@example.org")
        #expect(headers(renamed.responderHeaders(for: session))["X-Mail"] == "diana@example.org")
        #expect(headers(renamed.responderHeaders(for: session))["X-Auth-Request-Email"] == nil)

        let open = AuthCheck(sessions: LiveSessions(cookie: cookie, lifecycle: nil), rules: AccessRules())
        var staffOnly = AccessRules()
        staffOnly.allowedGroups = ["nobody-has-this"]
        let closed = AuthCheck(sessions: LiveSessions(cookie: cookie, lifecycle: nil), rules: staffOnly)
        let ctx = RequestContext(Fixture.request(cookie: "_gatehouse=\(cookie.seal(Fixture.diana))"), trustedProxies: [])
        for _ in 0..<2 {
            guard case .allow = try open.decide(ctx, now: Fixture.now) else { Issue.record("open rules refused"); return }
            guard case .denied = try closed.decide(ctx, now: Fixture.now) else { Issue.record("closed rules allowed"); return }
        }
    }

    @Test func aValueSharingTheFingerprintIsAMissNeverAnotherSession() throws {
        let cache = SessionCache()
        let a = "A" + String(repeating: "x", count: 20) + "MIDDLE-ONE" + String(repeating: "y", count: 20)
        let b = "A" + String(repeating: "x", count: 20) + "MIDDLE-TWO" + String(repeating: "y", count: 20)
        #expect(SessionCache.Fingerprint(a) == SessionCache.Fingerprint(b))
        cache.put(a, Fixture.diana)
        guard case .opened(let s) = cache.get(a) else { Issue.record("a not cached"); return }
        #expect(s == Fixture.diana)
        guard case .unknown = cache.get(b) else { Issue.record("b answered from a's entry"); return }
        cache.put(b, nil)
        guard case .refused = cache.get(b) else { Issue.record("b's refusal not kept"); return }
        // b's refusal took the refused table's slot; a, an opened session, is still there.
        guard case .opened = cache.get(a) else { Issue.record("a refused value pushed out an opened one"); return }
        guard case .unknown = cache.get("short") else { Issue.record("a short value matched"); return }
    }

    @Test func valuesThatNeverOpenCannotPushOutSessions() throws {
        let cache = SessionCache()
        cache.put("the-session-value", Fixture.diana)
        for i in 0..<(SessionCache.refusedCapacity * 3) { cache.put("forged-\(i)-\(String(repeating: "z", count: 30))", nil) }
        guard case .opened = cache.get("the-session-value") else { Issue.record("forged values evicted a session"); return }
    }

    @Test func aTamperedCookieIsRefusedEveryTime() throws {
        let cookie = try SessionCookie(config)
        let value = cookie.seal(Fixture.diana)
        let tampered = String(value.dropLast(4)) + (value.hasSuffix("AAAA") ? "BBBB" : "AAAA")
        for _ in 0..<3 { #expect(cookie.read(RequestCookies(header: "_gatehouse=\(tampered)"), now: Fixture.now) == nil) }
        guard case .refused = cookie.cache.get(tampered) else { Issue.record("the refusal was not kept"); return }
        #expect(cookie.read(RequestCookies(header: "_gatehouse=\(value)"), now: Fixture.now) != nil)
    }
}

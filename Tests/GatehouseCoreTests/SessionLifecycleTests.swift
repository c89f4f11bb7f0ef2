@testable import GatehouseCore
import GatehouseCrypto
import Logging
import Testing

/// Revocation, refresh and back-channel logout through `Gatehouse.handle` and `refreshStep`, with the provider
/// and the state store in memory and a clock the test moves.
@Suite struct SessionLifecycleTests {
    let provider = FakeProvider()
    let clock = TestClock(Fixture.now)

    func config(_ extra: String = "") -> GatehouseConfig {
        try! ConfigLoader.load(toml: """
        [auth]
        redirect_uri = "https://app.example.com/oauth2/callback"
        cookie_secret = "\(Fixture.secret)"
        client_id = "client-1"
        client_secret = "s3cret"
        server_metadata_url = "https://idp.example.com/.well-known/openid-configuration"
        [gatehouse]
        refresh_interval = "60s"
        refresh_grace = "120s"
        \(extra)
        """).get()
    }

    func app(_ store: (any StateStore)?, _ config: GatehouseConfig? = nil) throws -> Gatehouse {
        let clock = self.clock
        return try Gatehouse(config: config ?? self.config(), environment: GatehouseEnvironment(
            now: { clock.now }, random: SecureRandom(), logger: Logger(label: "test"), http: provider, verifier: FakeVerifier()), store: store)
    }

    /// Signs in through start + callback; the session cookie pair. The token endpoint also answers refreshes.
    func signIn(_ app: Gatehouse, claims extra: [String: JSONValue?] = ["sid": .string("idp-session-1")], refreshToken: String? = "rt-0") throws -> String {
        let r = app.handle(Fixture.request("/oauth2/start", query: "rd=%2F"))
        let location = try #require(r.header("Location"))
        let q = QueryParameters(parsing: location.split(separator: "?", maxSplits: 1)[1])
        let login = try #require(r.headers(named: "Set-Cookie").first { $0.contains("_login_") })
        var body: [String: JSONValue] = ["id_token": .string(FakeProvider.token(provider.claims(nonce: q["nonce"]!, now: clock.now, extra))),
                                         "access_token": .string("at-0")]
        if let refreshToken { body["refresh_token"] = .string(refreshToken) }
        provider.set("\(provider.issuer)/token", 200, JSONText.encode(body))
        let cb = app.handle(Fixture.request("/oauth2/callback", cookie: String(login.split(separator: ";")[0]), query: "code=c&state=\(q["state"]!)"))
        let cookie = try #require(cb.headers(named: "Set-Cookie").first { $0.hasPrefix("_gatehouse=") })
        return String(cookie.split(separator: ";")[0])
    }

    func check(_ app: Gatehouse, _ cookie: String, path: String = "/oauth2/auth") -> Response { app.handle(Fixture.request(path, cookie: cookie)) }

    @Test func signOutRevokesTheCookieEverywhereTheStoreIsShared() throws {
        let store = MemoryStateStore()
        let a = try app(store), b = try app(store)
        let cookie = try signIn(a)
        #expect(check(a, cookie).status == 200 && check(b, cookie).status == 200)
        _ = a.handle(Fixture.request("/oauth2/sign_out", cookie: cookie))
        #expect(check(a, cookie).status == 401, "a copy of the signed-out cookie opens nothing here")
        #expect(check(b, cookie).status == 200, "the other instance has not synced yet")
        try b.lifecycle!.sync(now: clock.now)
        #expect(check(b, cookie).status == 401, "nor on the other instance once its mirror synced")
        let me = JSONText.parseObject(check(b, cookie, path: "/oauth2/userinfo").body)
        #expect(me?["is_logged_in"] == .bool(false), "who-am-I agrees with the check")
    }

    @Test func withoutAStoreNothingChangesAfterLogin() throws {
        let a = try app(nil)
        let cookie = try signIn(a)
        _ = a.handle(Fixture.request("/oauth2/sign_out", cookie: cookie))
        #expect(check(a, cookie).status == 200, "state = none: a copied cookie lives until it expires (the documented trade-off)")
        let session = try #require(a.sessions.read(RequestCookies(header: cookie), now: clock.now))
        #expect(session.refreshToken == nil, "no refresh token is kept without a store")
    }

    @Test func refreshUpdatesClaimsAndRotatesTheToken() throws {
        let store = MemoryStateStore()
        let a = try app(store, config("[gatehouse.rules]\nallowed_groups = [\"admins\"]"))
        let cookie = try signIn(a, claims: ["sid": .string("s1"), "groups": .array([.string("admins")])])
        #expect(check(a, cookie).status == 200)
        clock.advance(61)
        #expect(check(a, cookie).status == 200, "due, still served; a refresh is queued")
        // The provider took the user out of admins and rotates the refresh token.
        let refreshed = FakeProvider.token(provider.claims(nonce: "", now: clock.now, ["nonce": nil, "groups": .array([.string("staff")])]))
        provider.set("\(provider.issuer)/token", 200, JSONText.encode(["id_token": JSONValue.string(refreshed), "access_token": .string("at-1"), "refresh_token": .string("rt-1")]))
        #expect(a.refreshStep(timeout: 0))
        let sent = try #require(provider.requests.last { $0.url.hasSuffix("/token") })
        let form = QueryParameters(parsing: String(decoding: sent.body ?? [], as: UTF8.self))
        #expect(form["grant_type"] == "refresh_token" && form["refresh_token"] == "rt-0")
        #expect(check(a, cookie).status == 403, "rules follow the provider: no longer in admins")

        // The next refresh (on another instance) sends the newest token from the store, never the cookie's again.
        clock.advance(61)
        let b = try app(store, config("[gatehouse.rules]\nallowed_groups = [\"admins\"]"))
        try b.lifecycle!.sync(now: clock.now)
        _ = check(b, cookie)
        #expect(b.refreshStep(timeout: 0))
        let second = try #require(provider.requests.last { $0.url.hasSuffix("/token") })
        #expect(QueryParameters(parsing: String(decoding: second.body ?? [], as: UTF8.self))["refresh_token"] == "rt-1")
        // No token in the store is readable without the secret.
        let rows = store.tables.withLock { $0.rows.values.map(\.entry) }
        #expect(!rows.contains { String(decoding: $0.value, as: UTF8.self).contains("rt-1") || String(decoding: $0.value, as: UTF8.self).contains("staff") })
    }

    @Test func aRefreshedIDTokenForAnotherUserChangesNothing() throws {
        let store = MemoryStateStore()
        let a = try app(store)
        let cookie = try signIn(a)
        clock.advance(61)
        _ = check(a, cookie)
        let other = FakeProvider.token(provider.claims(nonce: "", now: clock.now, ["nonce": nil, "sub": .string("mallory"), "email": .string("m@evil.example")]))
        provider.set("\(provider.issuer)/token", 200, JSONText.encode(["id_token": JSONValue.string(other), "access_token": .string("at-x")]))
        #expect(a.refreshStep(timeout: 0))
        let r = check(a, cookie)
        #expect(r.status == 200 && r.header("X-Auth-Request-User") == "diana" && r.header("X-Auth-Request-Email") == "diana@example.org")
    }

    @Test func refusedRefreshEndsTheSessionAtOnce() throws {
        let store = MemoryStateStore()
        let a = try app(store)
        let cookie = try signIn(a)
        clock.advance(61)
        _ = check(a, cookie)
        provider.set("\(provider.issuer)/token", 400, JSONText.encode(["error": JSONValue.string("invalid_grant")]))
        #expect(a.refreshStep(timeout: 0))
        #expect(check(a, cookie).status == 401)
    }

    /// Rules R1 and R2 of SessionProtocol.pml: a refusal or a new token the store cannot take is in this mirror at
    /// once, kept, and written when the store takes writes again; the lock stays held meanwhile.
    @Test func aRefreshResultTheStoreCannotTakeIsKeptAndWrittenLater() throws {
        let store = MemoryStateStore()
        let a = try app(store), b = try app(store)
        let refused = try signIn(a), renewed = try signIn(a)
        clock.advance(61)
        _ = check(a, refused)
        store.tables.withLock { $0.failPuts = true }
        provider.set("\(provider.issuer)/token", 400, JSONText.encode(["error": JSONValue.string("invalid_grant")]))
        #expect(a.refreshStep(timeout: 0))
        #expect(check(a, refused).status == 401, "dead here at once")
        try b.lifecycle!.sync(now: clock.now)
        #expect(check(b, refused).status == 200, "not yet written")
        let id = try #require(a.sessions.read(RequestCookies(header: refused), now: clock.now)?.id)
        #expect(try store.get(.refreshLock, id.text, now: clock.now) != nil, "the lock is kept while the result is unwritten")

        _ = check(a, renewed)
        provider.set("\(provider.issuer)/token", 200, JSONText.encode(["access_token": JSONValue.string("at-7"), "refresh_token": .string("rt-7")]))
        #expect(a.refreshStep(timeout: 0))
        #expect(throws: StateStoreError.self) { try a.lifecycle!.sync(now: clock.now) }
        store.tables.withLock { $0.failPuts = false }
        try a.lifecycle!.sync(now: clock.now)
        try b.lifecycle!.sync(now: clock.now)
        #expect(check(b, refused).status == 401, "the kept revocation reached the store")
        let renewedID = try #require(a.sessions.read(RequestCookies(header: renewed), now: clock.now)?.id)
        let record = try #require(try store.get(.refreshed, renewedID.text, now: clock.now))
        #expect(a.lifecycle!.state.sealer.open(record.value, for: renewedID)?.refreshToken == "rt-7",
                "the rotated token reached the store: no refresh will send rt-0 again")
    }

    @Test func providerDownServesThroughTheGraceThenRefuses() throws {
        let store = MemoryStateStore()
        let a = try app(store)
        let cookie = try signIn(a)
        provider.state.withLock { $0.timeout = true }
        clock.advance(61)
        #expect(check(a, cookie).status == 200)
        #expect(a.refreshStep(timeout: 0))
        clock.advance(100)   // 161 s: due at 60, grace 120 → served until 180
        #expect(check(a, cookie).status == 200, "within refresh_grace")
        clock.advance(20)
        #expect(check(a, cookie).status == 401, "past refresh_grace")
        // The provider is back: the next refresh restores the session.
        provider.state.withLock { $0.timeout = false }
        provider.set("\(provider.issuer)/token", 200, JSONText.encode(["access_token": JSONValue.string("at-2")]))
        clock.advance(60)   // past the retry delay
        _ = check(a, cookie)
        #expect(a.refreshStep(timeout: 0))
        #expect(check(a, cookie).status == 200)
    }

    @Test func withoutARefreshTokenRequireRefreshEndsTheSessionAfterIntervalAndGrace() throws {
        let store = MemoryStateStore()
        let lenient = try app(store), strict = try app(store, config("require_refresh = true"))
        let cookie = try signIn(lenient, refreshToken: nil)
        clock.advance(179)
        #expect(check(strict, cookie).status == 200 && check(lenient, cookie).status == 200)
        clock.advance(2)
        #expect(check(strict, cookie).status == 401, "require_refresh: no claims older than refresh_interval + refresh_grace")
        #expect(check(lenient, cookie).status == 200, "the default: the login's claims until cookie_lifetime")
        #expect(!strict.refreshStep(timeout: 0), "nothing to refresh with")
    }

    @Test func oneRefreshPerSessionWhileTheLockIsHeld() throws {
        let store = MemoryStateStore()
        let a = try app(store), b = try app(store)
        let cookie = try signIn(a)
        clock.advance(61)
        let session = try #require(a.sessions.read(RequestCookies(header: cookie), now: clock.now))
        // Another instance holds the lock.
        _ = try store.putIfAbsent(StateEntry(kind: .refreshLock, key: session.id!.text, value: [1], expiresAt: clock.now + 60), now: clock.now)
        _ = check(b, cookie)
        let before = provider.requests.count
        #expect(b.refreshStep(timeout: 0))
        #expect(provider.requests.count == before, "no token request while another instance refreshes")
    }

    @Test func revocationOutlivesALateRefresh() throws {
        let store = MemoryStateStore()
        let a = try app(store)
        let cookie = try signIn(a)
        clock.advance(61)
        _ = check(a, cookie)
        // A logout lands (by user) while the refresh is queued; the refresh that follows must not resurrect it.
        try a.lifecycle!.revoke(.subject(issuer: provider.issuer, subject: "diana"), before: clock.now, now: clock.now)
        provider.set("\(provider.issuer)/token", 200, JSONText.encode(["access_token": JSONValue.string("at-9")]))
        _ = a.refreshStep(timeout: 0)
        #expect(check(a, cookie).status == 401)
    }

    @Test func perUserRevocationSparesLaterSessionsAndFullResyncKeepsIt() throws {
        let store = MemoryStateStore()
        let a = try app(store)
        let old = try signIn(a)
        clock.advance(5)
        try a.lifecycle!.revoke(.email("Diana@Example.org"), before: clock.now, now: clock.now)
        clock.advance(5)
        let fresh = try signIn(a)
        #expect(check(a, old).status == 401 && check(a, fresh).status == 200)
        let b = try app(store)
        try b.lifecycle!.sync(now: clock.now, full: true)
        #expect(check(b, old).status == 401 && check(b, fresh).status == 200)
    }

    @Test func storeDownChecksGoOnFromTheMirror() throws {
        let store = MemoryStateStore()
        let a = try app(store)
        let revoked = try signIn(a), kept = try signIn(a)
        _ = a.handle(Fixture.request("/oauth2/sign_out", cookie: revoked))
        store.setDown(true)
        #expect(throws: StateStoreError.self) { try a.lifecycle!.sync(now: clock.now) }
        #expect(check(a, revoked).status == 401 && check(a, kept).status == 200)
    }
}

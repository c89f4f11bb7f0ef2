@testable import GatehouseCore
import Logging
import Testing

/// `X-Accel-Expires` on the check's answer (issue 14): how long nginx's `fastcgi_cache` may keep a 200, through
/// `Gatehouse.handle` as nginx's cached routes ask (with `GATEHOUSE_CACHE_KEY_COOKIES`, nginx's view of the cookies).
@Suite struct DecisionCacheTests {
    /// What nginx's `$cookie__gatehouse;$cookie__gatehouse_0;...` makes of a plain `_gatehouse=<value>` header.
    static func nginxView(_ cookieHeader: String) -> String {
        String(cookieHeader.dropFirst("_gatehouse=".count)) + ";;;"
    }

    func check(_ app: Gatehouse, cookie: String?, keyCookies: String?, role: FastCGIRole = .responder,
               path: String = "/oauth2/auth", navigation: Bool = true) -> Response {
        var request = Fixture.request(path, cookie: cookie, role: role, headers: ["Sec-Fetch-Mode": navigation ? "navigate" : "cors"])
        if let keyCookies { request.params[DecisionCache.keyCookiesParam] = keyCookies }
        return app.handle(request)
    }

    func expires(_ session: Session = Fixture.diana, _ extra: String = "", store: (any StateStore)? = nil,
                 keyCookies: ((String) -> String?)? = nil) throws -> String? {
        let config = Fixture.config(extra)
        let app = try Gatehouse(config: config, environment: GatehouseEnvironment(now: { Fixture.now }, random: CountingRandom(),
                                                                                  logger: Logger(label: "test")), store: store)
        let cookie = try Fixture.cookieHeader(for: session, config: config)
        let r = check(app, cookie: cookie, keyCookies: keyCookies.map { $0(cookie) } ?? Self.nginxView(cookie))
        #expect(r.status == 200)
        #expect(r.headers.first?.name == DecisionCache.header || r.header(DecisionCache.header) == nil,
                "before Cache-Control: no-store, which nginx 1.22 would otherwise obey")
        return r.header(DecisionCache.header)
    }

    @Test func theTTLCapsALongSession() throws {
        #expect(try expires() == "5", "default decision_cache_ttl: 5 s")
        #expect(try expires(Fixture.diana, "decision_cache_ttl = \"30s\"") == "30")
    }

    @Test func neverPastTheSessionsExpiry() throws {
        var session = Fixture.diana
        session.expiresAt = Fixture.now + 3
        #expect(try expires(session) == "3")
    }

    @Test func neverPastCookieLifetimeFromSignIn() throws {
        var session = Fixture.diana
        session.issuedAt = Fixture.now - 3598
        #expect(try expires(session, "cookie_lifetime = \"1h\"") == "2")
    }

    @Test func neverPastTheNextRefresh() throws {
        // Diana signed in 100 s ago; with refresh required every 103 s she is due in 3 s.
        #expect(try expires(Fixture.diana, "refresh_interval = \"103s\"\nrequire_refresh = true", store: MemoryStateStore()) == "3")
        // Due already (the refresh is queued, the grace period runs): every check must reach Gatehouse.
        #expect(try expires(Fixture.diana, "refresh_interval = \"60s\"\nrequire_refresh = true", store: MemoryStateStore()) == "0")
        // Without a refresh token or require_refresh, refresh_interval does not bound it.
        #expect(try expires(Fixture.diana, "refresh_interval = \"60s\"", store: MemoryStateStore()) == "5")
    }

    @Test func noHeaderWithTTLZeroWithoutTheCachedRoutesOrInTheAuthorizerRole() throws {
        #expect(try expires(Fixture.diana, "decision_cache_ttl = 0") == nil)
        #expect(try expires(Fixture.diana, "decision_cache_ttl = \"0s\"") == nil)
        #expect(try expires(keyCookies: { _ in nil }) == nil, "no cache in front (gatehouse-routes.conf): no header")
        let app = try Fixture.app()
        let cookie = try Fixture.cookieHeader()
        let r = check(app, cookie: cookie, keyCookies: Self.nginxView(cookie), role: .authorizer)
        #expect(r.status == 200 && r.header("Variable-REMOTE_USER") == "diana")
        #expect(r.header(DecisionCache.header) == nil)
    }

    @Test func whenNginxWouldKeyOtherCookiesThanGatehouseReadsNothingIsCached() throws {
        // nginx's $cookie_ matches names in any case and takes the first: a planted `_GATEHOUSE=junk` would key
        // Diana's decision under `junk`, for anyone who then sends `_gatehouse=junk`.
        #expect(try expires(keyCookies: { _ in "junk;;;" }) == "0")
        #expect(try expires(keyCookies: { Self.nginxView($0) + "x" }) == "0")
        #expect(try expires(keyCookies: { ";" + Self.nginxView($0) }) == "0", "the value as a chunk is another key")
    }

    @Test func chunkedSessionsAreComparedChunkByChunk() throws {
        let app = try Fixture.app()
        let cookies = "_gatehouse_0=aaa; _gatehouse_1=bbb"
        // Not a valid session, so a 401 (never cacheable); the comparison itself:
        let cache = DecisionCache(config: Fixture.config(), lifecycle: nil)
        #expect(cache.keyCookies(RequestCookies(header: cookies)) == ";aaa;bbb;")
        #expect(cache.keyCookies(RequestCookies(header: "_gatehouse=v; _gatehouse=w; x_gatehouse=y; _gatehouse_extra=z")) == "v;;;")
        #expect(check(app, cookie: cookies, keyCookies: ";aaa;bbb;").header(DecisionCache.header) == "0")
    }

    @Test(arguments: [true, false])
    func refusalsAreNeverCacheable(navigation: Bool) throws {
        let app = try Fixture.app()
        let none = check(app, cookie: nil, keyCookies: ";;;", navigation: navigation)
        #expect(none.status == 401 && none.header(DecisionCache.header) == "0")
        let cookie = try Fixture.cookieHeader()
        let denied = check(app, cookie: cookie, keyCookies: Self.nginxView(cookie), path: "/oauth2/auth?allowed_groups=nobody", navigation: navigation)
        #expect(denied.status == 403 && denied.header(DecisionCache.header) == "0")
        // Even without the cached routes: whatever the site's fastcgi_cache_valid says.
        #expect(check(app, cookie: nil, keyCookies: nil, navigation: navigation).header(DecisionCache.header) == "0")
        // Apache and lighttpd show the answer to the client: no nginx header there.
        #expect(check(app, cookie: nil, keyCookies: nil, role: .authorizer, navigation: navigation).header(DecisionCache.header) == nil)
    }

    @Test func theKeyIsReadAndBounded() throws {
        #expect(Fixture.config("decision_cache_ttl = \"1m\"").server.decisionCacheTTL == .seconds(60))
        guard case .failure(let error) = ConfigLoader.load(toml: """
        [auth]
        cookie_secret = "\(Fixture.secret)"
        redirect_uri = "https://app.example.com/oauth2/callback"
        client_id = "c"
        client_secret = "s"
        server_metadata_url = "https://idp.example.com/.well-known/openid-configuration"
        [gatehouse]
        decision_cache_ttl = "2h"
        """) else { Issue.record("accepted"); return }
        #expect(error.problems.map(\.keyPath) == ["gatehouse.decision_cache_ttl"])
    }
}

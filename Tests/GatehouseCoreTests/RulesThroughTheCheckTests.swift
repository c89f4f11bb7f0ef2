@testable import GatehouseCore
import Testing

@Suite struct RulesThroughTheCheckTests {
    let alice = Session(provider: "default", claims: [
        "sub": .string("alice"), "email": .string("alice@example.com"), "email_verified": .bool(true), "groups": .array([.string("staff")]),
    ], issuedAt: Fixture.now - 10, expiresAt: Fixture.now + 3600)

    @Test func deniedIs403NeverALoginLoop() throws {
        let config = Fixture.config("[gatehouse.rules]\nallowed_groups = [\"admins\"]")
        let app = try Fixture.app(config)
        let cookie = try Fixture.cookieHeader(for: alice, config: config)
        let nginx = app.handle(Fixture.request(cookie: cookie, headers: ["Sec-Fetch-Mode": "navigate"]))
        #expect(nginx.status == 403 && nginx.header("Location") == nil)
        let apache = app.handle(Fixture.request("/admin", uri: "/admin", cookie: cookie, role: .authorizer))
        #expect(apache.status == 403)
        let page = String(decoding: apache.body, as: UTF8.self)
        #expect(page.contains("signed in as alice@example.com") && page.contains("/oauth2/sign_out?rd=%2Foauth2%2Fstart%3Frd%3D%252Fadmin"))
    }

    @Test func locationRulesNarrowNeverWiden() throws {
        let config = Fixture.config("[gatehouse.rules]\nallowed_email_domains = [\"example.com\"]")
        let app = try Fixture.app(config)
        let cookie = try Fixture.cookieHeader(for: alice, config: config)
        #expect(app.handle(Fixture.request(cookie: cookie)).status == 200)
        // nginx: `auth_request /oauth2/auth?allowed_groups=admins;` arrives with the query left in the path.
        #expect(app.handle(Fixture.request("/oauth2/auth?allowed_groups=admins", cookie: cookie)).status == 403)
        #expect(app.handle(Fixture.request("/oauth2/auth?allowed_groups=admins,staff", cookie: cookie)).status == 200)
        // A web server that splits it off (QUERY_STRING) gets the same rules.
        #expect(app.handle(Fixture.request(cookie: cookie, query: "allowed_groups=admins")).status == 403)
        // Apache/lighttpd: GATEHOUSE_* params.
        var r = Fixture.request("/admin", cookie: cookie, role: .authorizer)
        r.params["GATEHOUSE_ALLOWED_GROUPS"] = "admins"
        #expect(app.handle(r).status == 403)
        // A location allowing another domain cannot let in what the global rules refuse.
        let bob = Session(provider: "default", claims: ["sub": .string("bob"), "email": .string("bob@other.org"), "email_verified": .bool(true)],
                          issuedAt: Fixture.now, expiresAt: Fixture.now + 60)
        let bobCookie = try Fixture.cookieHeader(for: bob, config: config)
        #expect(app.handle(Fixture.request("/oauth2/auth?allowed_email_domains=other.org", cookie: bobCookie)).status == 403)
        // The original request's query never counts as rules.
        #expect(app.handle(Fixture.request(uri: "/page?allowed_groups=staff", cookie: bobCookie)).status == 403)
    }

    @Test(arguments: ["/oauth2/auth?allowed_group=staff", "/oauth2/auth?", "/oauth2/auth?&", "/oauth2/auth?allowed_groups=staff&x=1"])
    func unknownOrMissingLocationRulesAre500NeverAllowed(path: String) throws {
        let r = try Fixture.app().handle(Fixture.request(path, cookie: try Fixture.cookieHeader(for: alice)))
        #expect(r.status == 500)
        #expect(r.header("X-Auth-Request-User") == nil)
    }

    @Test(arguments: ["/oauth2/auth?allowed_groups=", "/oauth2/auth?allowed_groups", "/oauth2/auth?allowed_groups=,"])
    func emptyLocationRuleAllowsNobody(path: String) throws {
        #expect(try Fixture.app().handle(Fixture.request(path, cookie: try Fixture.cookieHeader(for: alice))).status == 403)
    }

    /// Each source is its own condition: a `set $gatehouse_allowed_groups` next to the auth URL's rule can
    /// only narrow it further, never add groups to it.
    @Test func pathRulesAndParamsAreSeparateConditions() throws {
        let app = try Fixture.app()
        let cookie = try Fixture.cookieHeader(for: alice)
        var r = Fixture.request("/oauth2/auth?allowed_groups=admins", cookie: cookie)
        r.params["GATEHOUSE_ALLOWED_GROUPS"] = "staff"
        #expect(app.handle(r).status == 403, "staff from the param must not widen admins from the path")
        r = Fixture.request("/oauth2/auth?allowed_groups=staff", cookie: cookie)
        r.params["GATEHOUSE_ALLOWED_GROUPS"] = "staff,admins"
        #expect(app.handle(r).status == 200)
    }

    /// nginx decodes `%3F`/`%23` into the path: such a path is never the route before the mark.
    @Test(arguments: ["/oauth2/auth#x", "/oauth2/auth?allowed_groups=staff#x", "/oauth2/userinfo?x=1", "/oauth2/start?rd=/",
                      "/oauth2/sign_out#", "/oauth2/forbidden?", "/oauth2/callback?state=x&code=y", "/oauth2/aut?h"])
    func pathsHoldingQuestionMarkOrHashAreNoRoute(path: String) throws {
        let r = try Fixture.app().handle(Fixture.request(path, cookie: try Fixture.cookieHeader(for: alice)))
        #expect(r.status == 404)
        #expect(r.header("X-Auth-Request-User") == nil && r.headers(named: "Set-Cookie").isEmpty)
    }

    @Test func theAuthorizerRoleNeverReadsRulesFromThePathOrQuery() throws {
        let app = try Fixture.app()
        let cookie = try Fixture.cookieHeader(for: alice)
        // Apache/lighttpd send the original request's path and query: a client must not narrow or break anything.
        #expect(app.handle(Fixture.request("/page?allowed_group=x", cookie: cookie, role: .authorizer, query: "allowed_group=x")).status == 200)
    }

    @Test func forbiddenRouteShowsWhoYouAre() throws {
        let app = try Fixture.app()
        let r = app.handle(Fixture.request("/oauth2/forbidden", uri: "/admin/x", cookie: try Fixture.cookieHeader(for: alice)))
        #expect(r.status == 403)
        #expect(String(decoding: r.body, as: UTF8.self).contains("alice@example.com"))
    }
}

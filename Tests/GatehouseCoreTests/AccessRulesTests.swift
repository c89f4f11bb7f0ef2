@testable import GatehouseCore
import Testing

@Suite struct AccessRulesTests {
    func session(_ claims: [String: JSONValue]) -> Session {
        Session(provider: "default", claims: claims, issuedAt: 0, expiresAt: 1)
    }

    func rules(_ toml: String) throws -> AccessRules {
        try ConfigLoader.load(toml: "[auth]\ncookie_secret = \"\(Fixture.secret)\"\n[gatehouse.rules]\n" + toml).get().rules
    }

    /// (email claim, email_verified, allowed?) against allowed_email_domains = ["example.com"].
    @Test(arguments: [
        (JSONValue.string("alice@example.com"), JSONValue.bool(true), true),
        (.string("Alice@EXAMPLE.com"), .bool(true), true),
        (.string("alice@example.com"), .string("true"), true),
        (.string("alice@example.com"), .bool(false), false),
        (.string("alice@example.com"), .null, false),
        (.string("a@evil.com@example.com"), .bool(true), false),
        (.string("a@example.com@evil.com"), .bool(true), false),
        (.string("alice@example.com.evil.com"), .bool(true), false),
        (.string("alice@evilexample.com"), .bool(true), false),
        (.string("alice@sub.example.com"), .bool(true), false),
        (.string("alice@example.com "), .bool(true), false),
        (.string("alice@example.com\n"), .bool(true), false),
        (.string("\"a@b\"@example.com"), .bool(true), false),
        (.string("@example.com"), .bool(true), false),
        (.string("alice@"), .bool(true), false),
        (.string("alice@example.com."), .bool(true), false),
        (.array([.string("alice@example.com")]), .bool(true), false),
        (.number(42), .bool(true), false),
        (.null, .bool(true), false),
    ])
    func emailDomainExact(email: JSONValue, verified: JSONValue, allowed: Bool) throws {
        let r = try rules("allowed_email_domains = [\"example.com\"]")
        #expect((r.decide(session(["email": email, "email_verified": verified])) == .allow) == allowed)
    }

    @Test(arguments: [
        ("alice@example.com", true), ("alice@eu.example.com", true), ("alice@a.b.example.com", true),
        ("alice@notexample.com", false), ("alice@example.com.evil.org", false), ("alice@example.org", false),
    ])
    func emailDomainWithSubdomains(email: String, allowed: Bool) throws {
        let r = try rules("allowed_email_domains = [\".example.com\"]")
        #expect((r.decide(session(["email": .string(email), "email_verified": .bool(true)])) == .allow) == allowed)
    }

    @Test func emailAddressesOrDomainsAndVerificationSwitch() throws {
        let r = try rules("allowed_emails = [\"Bob@Partner.org\"]\nallowed_email_domains = [\"example.com\"]\nrequire_email_verified = false")
        #expect(r.decide(session(["email": .string("bob@partner.org")])) == .allow)
        #expect(r.decide(session(["email": .string("carol@partner.org")])) != .allow)
        #expect(r.decide(session(["email": .string("x@example.com"), "email_verified": .bool(false)])) == .allow)
    }

    @Test(arguments: [
        (JSONValue.array([.string("staff"), .string("admins")]), true),
        (.string("admins"), true),
        (.array([.string("Admins")]), false),
        (.array([.string("admins-not")]), false),
        (.string("staff,admins"), false),
        (.array([.number(1), .object(["admins": .bool(true)])]), false),
        (.null, false),
    ])
    func groupsAnyOf(groups: JSONValue, allowed: Bool) throws {
        let r = try rules("allowed_groups = [\"admins\", \"ops\"]")
        #expect((r.decide(session(["groups": groups])) == .allow) == allowed)
    }

    @Test func nestedRolesClaim() throws {
        let r = try rules("allowed_groups = [\"admin\"]\ngroups_claim = \"realm_access.roles\"")
        #expect(r.decide(session(["realm_access": .object(["roles": .array([.string("admin")])])])) == .allow)
        #expect(r.decide(session(["realm_access": .string("admin")])) != .allow)
        #expect(r.decide(session(["groups": .array([.string("admin")])])) != .allow)
    }

    @Test func claimEqualsAndContains() throws {
        let r = try rules("""
        [[gatehouse.rules.claims]]
        claim = "hd"
        equals = "example.com"
        [[gatehouse.rules.claims]]
        claim = "amr"
        contains = "mfa"
        """)
        #expect(r.decide(session(["hd": .string("example.com"), "amr": .array([.string("pwd"), .string("mfa")])])) == .allow)
        #expect(r.decide(session(["hd": .string("example.com"), "amr": .string("mfa")])) == .allow)
        #expect(r.decide(session(["hd": .string("example.com"), "amr": .string("nomfa")])) != .allow, "never a substring match")
        #expect(r.decide(session(["hd": .array([.string("example.com")]), "amr": .string("mfa")])) != .allow)
        #expect(r.decide(session(["hd": .string("EXAMPLE.com"), "amr": .string("mfa")])) != .allow)
        #expect(r.decide(session(["amr": .string("mfa")])) != .allow)
    }

    @Test func allConditionsMustHold() throws {
        let r = try rules("allowed_email_domains = [\"example.com\"]\nallowed_groups = [\"admins\"]")
        let ok: [String: JSONValue] = ["email": .string("a@example.com"), "email_verified": .bool(true), "groups": .array([.string("admins")])]
        #expect(r.decide(session(ok)) == .allow)
        var noGroup = ok; noGroup["groups"] = nil
        #expect(r.decide(session(noGroup)) != .allow)
    }

    @Test func noRulesAllowsEveryoneLoggedIn() throws {
        #expect(AccessRules().decide(session([:])) == .allow)
    }

    @Test func badRulesAreConfigErrorsWithTheirPath() {
        let text = """
        [auth]
        cookie_secret = "\(Fixture.secret)"
        [gatehouse.rules]
        allowed_emails = ["not-an-email", "a@b@c.com"]
        allowed_email_domains = ["@example.com", "example..com", "*.example.com"]
        colour = "red"
        [[gatehouse.rules.claims]]
        claim = "hd"
        equals = "x"
        contains = "y"
        [[gatehouse.rules.claims]]
        equals = "x"
        """
        guard case .failure(let e) = ConfigLoader.load(toml: text) else { Issue.record("accepted bad rules"); return }
        let paths = Set(e.problems.map(\.keyPath))
        #expect(paths.isSuperset(of: ["gatehouse.rules.allowed_emails[0]", "gatehouse.rules.allowed_emails[1]",
                                      "gatehouse.rules.allowed_email_domains[0]", "gatehouse.rules.allowed_email_domains[1]",
                                      "gatehouse.rules.allowed_email_domains[2]", "gatehouse.rules.colour",
                                      "gatehouse.rules.claims[0]", "gatehouse.rules.claims[1].claim"]))
    }
}

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

@Suite struct IdentityHeaderValueTests {
    let headers = IdentityHeaders(config: IdentityHeaderConfig())

    @Test func encodingAndLimits() {
        #expect(headers.value(.string("José Ñ 100%")) == "Jos%C3%A9 %C3%91 100%25")
        #expect(headers.value(.string("a\r\nX-Evil: 1\u{0}")) == "aX-Evil: 1")
        #expect(headers.value(.array([.string("a,b"), .string("c")])) == "a%2Cb,c")
        #expect(headers.value(.string(String(repeating: "x", count: 5000))) == nil, "long strings are left out, never cut")
        let many = JSONValue.array((0..<1000).map { .string("group-\($0)") })
        let joined = headers.value(many)!
        #expect(joined.utf8.count <= IdentityHeaders.maxValueBytes)
        #expect(joined.split(separator: ",").allSatisfy { $0.hasPrefix("group-") }, "only whole elements")
        #expect(headers.value(.object(["a": .string("b")])) == nil)
        let raw = IdentityHeaders(config: { var c = IdentityHeaderConfig(); c.encoding = .raw; return c }())
        #expect(raw.value(.string("José\n")) == "José")
    }

    @Test func extraClaimsAndTokens() throws {
        let config = Fixture.config("[gatehouse.headers]\nclaims = [\"department\", \"realm_access.roles\"]").withExposedTokens([.id, .access])
        var s = Fixture.diana
        s.claims["department"] = .string("R&D")
        s.claims["realm_access"] = .object(["roles": .array([.string("x"), .string("y")])])
        s.idToken = "h.p.s"; s.accessToken = "opaque-access"
        let r = try Fixture.app(config).handle(Fixture.request(cookie: try Fixture.cookieHeader(for: s, config: config)))
        #expect(r.header("X-Auth-Request-Claim-Department") == "R&D")
        #expect(r.header("X-Auth-Request-Claim-Realm-Access-Roles") == "x,y")
        #expect(r.header("Authorization") == "Bearer h.p.s")
        #expect(r.header("X-Auth-Request-Access-Token") == "opaque-access")
        let a = try Fixture.app(config).handle(Fixture.request("/p", cookie: try Fixture.cookieHeader(for: s, config: config), role: .authorizer))
        #expect(a.header("Variable-X_AUTH_REQUEST_ACCESS_TOKEN") == "opaque-access")
        #expect(a.header("Variable-X_AUTH_REQUEST_ID_TOKEN") == "h.p.s")
    }

    @Test func noTokensUnlessExposed() throws {
        var s = Fixture.diana
        s.idToken = "h.p.s"; s.accessToken = "a"
        let r = try Fixture.app().handle(Fixture.request(cookie: try Fixture.cookieHeader(for: s)))
        #expect(r.header("Authorization") == nil && r.header("X-Auth-Request-Access-Token") == nil)
    }
}

@Suite struct LocationRuleProblemTests {
    @Test func problemsAreTyped() {
        #expect(throws: LocationRules.Problem.unknownParameter("allowed_group")) {
            _ = try LocationRules.read(Fixture.request(), pathRules: "allowed_group=x", base: AccessRules())
        }
        #expect(throws: LocationRules.Problem.noParameter) {
            _ = try LocationRules.read(Fixture.request(), pathRules: "", base: AccessRules())
        }
    }
}

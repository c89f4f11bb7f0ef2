@testable import GatehouseCore
import Testing

@Suite struct AuthCheckTests {
    @Test func validSessionGives200WithIdentityHeadersAndNoBody() throws {
        let app = try Fixture.app()
        let r = app.handle(Fixture.request(cookie: try Fixture.cookieHeader()))
        #expect(r.status == 200)
        #expect(r.body.isEmpty)
        #expect(r.header("X-Auth-Request-User") == "diana")
        #expect(r.header("X-Auth-Request-Email") == "diana@example.org")
        #expect(r.header("X-Auth-Request-Preferred-Username") == "diana")
        #expect(r.header("X-Auth-Request-Groups") == "admins,staff")
        #expect(r.header("X-Auth-Request-Name") == "Diana Prince")
    }

    @Test func noSessionGives401WithLoginLocationThatReturnsToThePage() throws {
        let r = try Fixture.app().handle(Fixture.request(headers: ["Sec-Fetch-Mode": "navigate"]))
        #expect(r.status == 401)
        #expect(r.header("Location") == "/oauth2/start?rd=%2Fprivate%2Fpage%3Fx%3D1%26y%3D2")
    }

    @Test(arguments: [
        ["Sec-Fetch-Mode": "cors"],
        ["Accept": "application/json"],
        ["X-Requested-With": "XMLHttpRequest"],
    ])
    func apiCallsGetPlain401WithoutLoginURL(headers: [String: String]) throws {
        let r = try Fixture.app().handle(Fixture.request(headers: headers))
        #expect(r.status == 401)
        #expect(r.header("Location") == nil)
    }

    @Test(arguments: ["garbage", "_gatehouse=", "_gatehouse=AQAB", "_gatehouse_0=x; _gatehouse_1=y"])
    func tamperedOrMissingCookiesGive401(cookie: String) throws {
        #expect(try Fixture.app().handle(Fixture.request(cookie: cookie)).status == 401)
    }

    @Test func tamperedValidCookieGives401() throws {
        var header = try Fixture.cookieHeader()
        let last = header.removeLast()
        header.append(last == "A" ? "B" : "A")
        #expect(try Fixture.app().handle(Fixture.request(cookie: header)).status == 401)
    }

    @Test func cookieFromAnotherSecretGives401() throws {
        let other = Fixture.config(secret: Fixture.otherSecret)
        #expect(try Fixture.app().handle(Fixture.request(cookie: try Fixture.cookieHeader(config: other))).status == 401)
    }

    @Test func expiredSessionGives401() throws {
        let app = try Fixture.app(now: Fixture.diana.expiresAt + 1)
        #expect(app.handle(Fixture.request(cookie: try Fixture.cookieHeader())).status == 401)
    }

    @Test(arguments: ["http://evil.example/", "//evil.example/x", "/a\u{7}b", "", "*"])
    func unparseableOriginalURIIs401NeverAllowed(uri: String) throws {
        let r = try Fixture.app().handle(Fixture.request(uri: uri))
        #expect(r.status == 401)
        #expect(r.header("Location") == "/oauth2/start?rd=%2F")
    }

    @Test func clientSentIdentityHeadersAreNeverEchoed() throws {
        let r = try Fixture.app().handle(Fixture.request(cookie: try Fixture.cookieHeader(),
                                                         headers: ["X-Auth-Request-User": "mallory", "X-Auth_Request_Email": "m@evil"]))
        #expect(r.headers(named: "X-Auth-Request-User") == ["diana"])
        #expect(r.headers(named: "X-Auth-Request-Email") == ["diana@example.org"])
    }

    @Test func authorizerRoleAllowsWithVariables() throws {
        let r = try Fixture.app().handle(Fixture.request("/private/page", cookie: try Fixture.cookieHeader(), role: .authorizer))
        #expect(r.status == 200)
        #expect(r.header("Variable-REMOTE_USER") == "diana")
        #expect(r.header("Variable-X_AUTH_REQUEST_EMAIL") == "diana@example.org")
        #expect(r.header("X-Auth-Request-User") == nil, "identity is never a plain header for Apache: it would reach the client")
    }

    @Test func authorizerRoleRedirectsNavigationAndRefusesAPI() throws {
        let app = try Fixture.app()
        let nav = app.handle(Fixture.request("/private/page", role: .authorizer, headers: ["Sec-Fetch-Mode": "navigate"]))
        #expect(nav.status == 302)
        #expect(nav.header("Location")?.hasPrefix("/oauth2/start?rd=%2Fprivate%2Fpage") == true)
        let api = app.handle(Fixture.request("/private/api", role: .authorizer, headers: ["Accept": "application/json"]))
        #expect(api.status == 401)
    }

    @Test func controlCharactersNeverReachHeaders() throws {
        var s = Fixture.diana
        s.claims["name"] = .string("Eve\r\nX-Auth-Request-User: admin\u{0}\u{85}")
        let r = try Fixture.app().handle(Fixture.request(cookie: try Fixture.cookieHeader(for: s)))
        let name = try #require(r.header("X-Auth-Request-Name"))
        #expect(!name.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) })
        #expect(r.headers(named: "X-Auth-Request-User") == ["diana"])
    }

    @Test func nestedGroupsClaim() throws {
        let config = Fixture.config("[gatehouse.headers]\ngroups_claim = \"realm_access.roles\"")
        var s = Fixture.diana
        s.claims["realm_access"] = .object(["roles": .array([.string("ops"), .string("dev")])])
        let r = try Fixture.app(config).handle(Fixture.request(cookie: try Fixture.cookieHeader(for: s, config: config)))
        #expect(r.header("X-Auth-Request-Groups") == "ops,dev")
    }

    @Test func unknownRouteIs404Page() throws {
        let r = try Fixture.app().handle(Fixture.request("/oauth2/nothing"))
        #expect(r.status == 404)
        #expect(String(decoding: r.body, as: UTF8.self).contains("Reference: "))
    }
}

extension GatehouseConfig {
    func withExposedTokens(_ kinds: Set<AuthConfig.TokenKind>) -> GatehouseConfig {
        var c = self
        c.auth.exposeTokens = kinds
        return c
    }

    /// The config with one more provider, a copy of the default one under another name.
    func withProvider(_ name: String) -> GatehouseConfig {
        var c = self
        var p = c.auth.providers[AuthConfig.defaultProviderName]!
        p.name = name
        c.auth.providers[name] = p
        return c
    }
}

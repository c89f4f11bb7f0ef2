@testable import GatehouseCore
import GatehouseCrypto
import Logging
import Testing

/// `[gatehouse.bearer]` through `Gatehouse.handle` with a provider in memory: each refused token's RFC 6750
/// answer, scopes, the cookie-versus-token precedence, the caches (no I/O for a known token or a cached key),
/// introspection, and the provider down (503, never 200). Real tokens and real nginx/Apache: test_bearer.py.
@Suite struct BearerTokenTests {
    let provider = FakeProvider()
    let now = Fixture.now
    static let audience = "https://api.example.com"
    static let invalid = #"Bearer realm="gatehouse", error="invalid_token""#

    func config(_ bearer: String = "enabled = true\naudiences = [\"\(Self.audience)\"]",
                providers: String = "[gatehouse.providers.default]\nintrospection = \"https://idp.example.com/introspect\"") -> GatehouseConfig {
        try! ConfigLoader.load(toml: """
        [auth]
        redirect_uri = "https://app.example.com/oauth2/callback"
        cookie_secret = "\(Fixture.secret)"
        client_id = "client-1"
        client_secret = "s3cret"
        server_metadata_url = "https://idp.example.com/.well-known/openid-configuration"
        [gatehouse]
        state = "none"
        [gatehouse.bearer]
        \(bearer)
        \(providers)
        """).get()
    }

    func app(_ config: GatehouseConfig? = nil, workers: Int? = nil) throws -> Gatehouse {
        var c = config ?? self.config()
        if let workers { c.server.workers = workers }
        return try Gatehouse(config: c, environment: GatehouseEnvironment(now: { [now] in now }, random: SecureRandom(), logger: Logger(label: "test"),
                                                                          http: provider, verifier: FakeVerifier()))
    }

    func claims(_ changes: [String: JSONValue?] = [:]) -> [String: JSONValue] {
        var c: [String: JSONValue] = ["iss": .string(provider.issuer), "sub": .string("diana"), "aud": .string(Self.audience),
                                      "exp": .number(Double(now + 300)), "iat": .number(Double(now)), "scope": .string("read"),
                                      "email": .string("diana@example.org"), "client_id": .string("client-1")]
        for (k, v) in changes { c[k] = v }
        return c
    }

    func jwt(_ changes: [String: JSONValue?] = [:], typ: String = "at+jwt", alg: String = "RS256", kid: String = "k1", signature: String = "valid") -> String {
        FakeProvider.token(claims(changes), header: ["alg": .string(alg), "kid": .string(kid), "typ": .string(typ)], signature: signature)
    }

    func check(_ app: Gatehouse, _ token: String?, path: String = "/oauth2/auth", cookie: String? = nil, role: FastCGIRole = .responder,
               navigation: Bool = true) -> Response {
        var headers = navigation ? ["Sec-Fetch-Mode": "navigate"] : [:]
        if let token { headers["Authorization"] = "Bearer \(token)" }
        return app.handle(Fixture.request(path, cookie: cookie, role: role, headers: headers))
    }

    @Test func aValidAccessTokenIsAllowedWithTheIdentityAndNeverCachedByNginx() throws {
        let app = try app()
        let r = check(app, jwt())
        #expect(r.status == 200)
        #expect(r.header("X-Auth-Request-User") == "diana" && r.header("X-Auth-Request-Provider") == "default")
        #expect(r.header("X-Accel-Expires") == "0")
        let authorizer = check(app, jwt(), role: .authorizer)
        #expect(authorizer.status == 200 && authorizer.header("Variable-REMOTE_USER") == "diana")
    }

    @Test func aKnownTokenAndACachedKeyNeedNoIO() throws {
        let app = try app()
        #expect(check(app, jwt()).status == 200)
        let asked = provider.requests.count
        #expect(asked == 2, "discovery and JWKS, once")
        #expect(check(app, jwt()).status == 200, "the same token: from the verified-token cache")
        #expect(check(app, jwt(["sub": .string("bruce")])).status == 200, "a new token, its key cached: verified without I/O")
        #expect(provider.requests.count == asked)
    }

    static let refused: [(String, [String: JSONValue?], String, String, String)] = [
        ("alg none", [:], "at+jwt", "none", "valid"),
        ("HS256", [:], "at+jwt", "HS256", "valid"),
        ("bad signature", [:], "at+jwt", "RS256", "forged"),
        ("wrong aud", ["aud": .string("https://other.example.com")], "at+jwt", "RS256", "valid"),
        ("expired", ["exp": .number(Double(Fixture.now - 3600))], "at+jwt", "RS256", "valid"),
        ("no exp", ["exp": nil], "at+jwt", "RS256", "valid"),
        ("not yet valid", ["nbf": .number(Double(Fixture.now + 3600))], "at+jwt", "RS256", "valid"),
        ("wrong iss", ["iss": .string("https://evil.example.com")], "at+jwt", "RS256", "valid"),
        ("no sub", ["sub": nil], "at+jwt", "RS256", "valid"),
        ("an ID token", ["aud": .array([.string("client-1"), .string(Self.audience)]), "nonce": .string("n")], "JWT", "RS256", "valid"),
        ("a logout token's typ", [:], "logout+jwt", "RS256", "valid"),
    ]

    @Test(arguments: refused)
    func eachBadTokenIs401InvalidTokenAndNeverALogin(_ c: (String, [String: JSONValue?], String, String, String)) throws {
        let app = try app()
        for role in [FastCGIRole.responder, .authorizer] {
            let r = check(app, jwt(c.1, typ: c.2, alg: c.3, signature: c.4), role: role)
            #expect(r.status == 401, "\(c.0)")
            #expect(r.header("WWW-Authenticate") == Self.invalid, "\(c.0)")
            #expect(r.header("Location") == nil, "\(c.0)")
        }
    }

    @Test func anIDTokenIsAcceptedOnlyWhenTheConfigSaysSo() throws {
        let idToken = jwt(["aud": .array([.string("client-1"), .string(Self.audience)]), "nonce": .string("n")], typ: "JWT")
        #expect(check(try app(), idToken).status == 401)
        let lenient = config("enabled = true\naudiences = [\"\(Self.audience)\"]\naccept_id_tokens = true")
        #expect(check(try app(lenient), idToken).status == 200)
    }

    @Test func anUnknownKidRefetchesBoundedThenIsRefused() throws {
        let app = try app()
        #expect(check(app, jwt()).status == 200)
        for i in 0..<10 { #expect(check(app, jwt(kid: "unknown-\(i)")).status == 401) }
        #expect(provider.requests.filter { $0.url.hasSuffix("/jwks") }.count == 1 + ProviderDirectory.maxRefetches)
    }

    @Test func requiredScopesAre403InsufficientScope() throws {
        let app = try app()
        let r = check(app, jwt(), path: "/oauth2/auth?required_scopes=write,admin")
        #expect(r.status == 403)
        #expect(r.header("WWW-Authenticate") == #"Bearer realm="gatehouse", error="insufficient_scope", scope="admin write""#)
        #expect(check(app, jwt(["scope": .string("read write admin")]), path: "/oauth2/auth?required_scopes=write,admin").status == 200)
        #expect(check(app, jwt(["scope": nil, "scp": .array([.string("write"), .string("admin")])]), path: "/oauth2/auth?required_scopes=write,admin").status == 200)
        let param = app.handle(Request(role: .authorizer, params: ["REQUEST_METHOD": "GET", "REQUEST_URI": "/api/x", "DOCUMENT_URI": "/api/x",
                                                                   "HTTP_AUTHORIZATION": "Bearer \(jwt())", "GATEHOUSE_REQUIRED_SCOPES": "write"]))
        #expect(param.status == 403 && param.body == Array("Forbidden\n".utf8))
    }

    @Test func requiredScopesDoNotConcernACookieSession() throws {
        let app = try app()
        let cookie = try Fixture.cookieHeader(config: config())
        #expect(check(app, nil, path: "/oauth2/auth?required_scopes=write", cookie: cookie).status == 200)
        #expect(check(app, nil, path: "/oauth2/auth?required_scopes=", cookie: cookie).status == 403, "empty: nobody")
    }

    @Test func theBearerTokenDecidesOverACookie() throws {
        let app = try app()
        let cookie = try Fixture.cookieHeader(config: config())
        let bad = check(app, jwt(signature: "forged"), cookie: cookie)
        #expect(bad.status == 401 && bad.header("WWW-Authenticate") == Self.invalid)
        let good = check(app, jwt(["sub": .string("token-user")]), cookie: cookie)
        #expect(good.status == 200 && good.header("X-Auth-Request-User") == "token-user")
        // Another scheme is no bearer token: the cookie decides.
        let basic = app.handle(Fixture.request(cookie: cookie, headers: ["Authorization": "Basic YTpi"]))
        #expect(basic.status == 200 && basic.header("X-Auth-Request-User") == "diana")
        // Bearer tokens off: the header is ignored.
        let off = try self.app(config("enabled = false", providers: ""))
        #expect(check(off, jwt(signature: "forged"), cookie: cookie).status == 200)
    }

    @Test(arguments: ["", "a b", "tok\"en", "=abc", "abc=def", String(repeating: "a", count: 17 * 1024)])
    func malformedBearerValuesAreInvalidToken(_ token: String) throws {
        let r = check(try app(), token)
        #expect(r.status == 401 && r.header("WWW-Authenticate") == Self.invalid)
    }

    func introspection(_ status: Int, _ answer: [String: JSONValue]) {
        provider.set("\(provider.issuer)/introspect", status, JSONText.encode(answer))
    }

    @Test func opaqueTokensByIntrospection() throws {
        let app = try app()
        introspection(200, ["active": .bool(true), "sub": .string("diana"), "aud": .string(Self.audience), "scope": .string("read write"),
                            "exp": .number(Double(now + 600)), "iss": .string(provider.issuer)])
        let r = check(app, "opaque-token-1", path: "/oauth2/auth?required_scopes=write")
        #expect(r.status == 200 && r.header("X-Auth-Request-User") == "diana")
        let asked = try #require(provider.requests.last)
        #expect(asked.url == "\(provider.issuer)/introspect" && asked.method == .post)
        #expect(asked.headers.contains { $0.name == "Authorization" && $0.value.hasPrefix("Basic ") }, "client authentication as at the token endpoint")
        #expect(String(decoding: asked.body ?? [], as: UTF8.self) == "token=opaque-token-1&token_type_hint=access_token")
        let count = provider.requests.count
        #expect(check(app, "opaque-token-1").status == 200)
        #expect(provider.requests.count == count, "an active answer is cached")

        introspection(200, ["active": .bool(false)])
        #expect(check(app, "opaque-token-2").status == 401)
        #expect(check(app, "opaque-token-2").status == 401)
        #expect(provider.requests.count == count + 1, "an inactive answer is cached briefly")
        introspection(200, ["active": .string("true"), "sub": .string("diana"), "aud": .string(Self.audience)])
        #expect(check(app, "opaque-token-3").status == 401, "only the JSON true is active")
        introspection(200, ["active": .bool(true), "sub": .string("diana"), "aud": .string("https://other.example.com")])
        #expect(check(app, "opaque-token-4").status == 401, "the audience is checked")
    }

    @Test func theProviderDownIs503NeverAllowed() throws {
        let app = try app()
        introspection(500, ["error": .string("server_error")])
        #expect(check(app, "opaque-token-5").status == 503)
        provider.state.withLock { $0.timeout = true }
        #expect(check(app, "opaque-token-6").status == 503)
        #expect(check(app, jwt()).status == 503, "no keys yet, none to fetch")
        let noIntrospection = try self.app(config(providers: ""))
        #expect(check(noIntrospection, "opaque-token-7").status == 401)
    }

    @Test func userinfoAnswersForABearerToken() throws {
        let app = try app()
        let r = check(app, jwt(), path: "/oauth2/userinfo")
        let user = try #require(JSONText.parseObject(r.body))
        #expect(r.status == 200 && user["sub"] == .string("diana") && user["is_logged_in"] == .bool(true) && user["provider"] == .string("default"))
        let bad = check(app, jwt(signature: "forged"), path: "/oauth2/userinfo")
        #expect(bad.status == 401 && bad.header("WWW-Authenticate") == Self.invalid)
    }

    @Test func theForbiddenPageIsPlainForABearerRequest() throws {
        let r = check(try app(), jwt(), path: "/oauth2/forbidden")
        #expect(r.status == 403 && r.header("WWW-Authenticate")?.contains("insufficient_scope") == true && r.body == Array("Forbidden\n".utf8))
    }

    @Test func configProblems() throws {
        func problems(_ bearer: String, _ extra: String = "") -> Set<String> {
            let text = """
            [auth]
            redirect_uri = "https://app.example.com/oauth2/callback"
            cookie_secret = "\(Fixture.secret)"
            client_id = "client-1"
            client_secret = "s3cret"
            server_metadata_url = "https://idp.example.com/.well-known/openid-configuration"
            [auth.second]
            client_id = "client-2"
            client_secret = "s3cret"
            server_metadata_url = "https://idp2.example.com/.well-known/openid-configuration"
            [gatehouse.bearer]
            \(bearer)
            \(extra)
            """
            guard case .failure(let e) = ConfigLoader.load(toml: text) else { return [] }
            return Set(e.problems.map(\.keyPath))
        }
        #expect(problems("enabled = true") == ["gatehouse.bearer.audiences"])
        #expect(problems("enabled = true\naudiences = [\"a\"]\nproviders = [\"nope\"]") == ["gatehouse.bearer.providers[0]"])
        #expect(problems("enabled = true\naudiences = [\"a\"]\nintrospection_cache_ttl = \"2h\"\nfoo = 1")
            == ["gatehouse.bearer.introspection_cache_ttl", "gatehouse.bearer.foo"])
        #expect(problems("enabled = true\naudiences = [\"a\"]", "[gatehouse.providers.default]\nintrospection = true\n[gatehouse.providers.second]\nintrospection = true")
            == ["gatehouse.providers.second.introspection"])
        #expect(problems("enabled = true\naudiences = [\"a\"]", "[gatehouse.providers.default]\nintrospection = \"ftp://x\"") == ["gatehouse.providers.default.introspection"])
        #expect(problems("enabled = true\naudiences = [\"a\"]\nproviders = [\"second\"]", "[gatehouse.providers.default]\nintrospection = true") == [])
    }

    @Test func theCacheIsBounded() {
        let cache = BearerTokenCache(capacity: 4)
        for i in 0..<10 { cache.store(BearerTokenCache.key("t\(i)"), .inactive, until: now + 60, now: now) }
        let kept = (0..<10).filter { cache.lookup(BearerTokenCache.key("t\($0)"), now: now) != nil }.count
        #expect(kept <= 4 && kept >= 1)
        #expect(cache.lookup(BearerTokenCache.key("t9"), now: now + 61) == nil, "expired entries are never answered")
    }
}

@testable import GatehouseCore
import GatehouseCrypto
import Logging
import Testing

/// The login, callback and logout routes through `Gatehouse.handle`, with a provider in memory.
@Suite struct LoginFlowTests {
    let provider = FakeProvider()
    let now = Fixture.now

    func config(_ extraAuth: String = "", _ extraGatehouse: String = "") -> GatehouseConfig {
        let text = """
        [auth]
        redirect_uri = "https://app.example.com/oauth2/callback"
        cookie_secret = "\(Fixture.secret)"
        client_id = "client-1"
        client_secret = "s3cret !@#"
        server_metadata_url = "https://idp.example.com/.well-known/openid-configuration"
        client_kwargs = { prompt = "login", hd = "example.com", state = "attacker-chosen" }
        \(extraAuth)
        [gatehouse]
        allowed_redirect_hosts = ["app.example.com"]
        \(extraGatehouse)
        """
        return try! ConfigLoader.load(toml: text).get()
    }

    func app(_ config: GatehouseConfig? = nil, at time: Int64? = nil) throws -> Gatehouse {
        let t = time ?? now
        return try Gatehouse(config: config ?? self.config(), environment: GatehouseEnvironment(
            now: { t }, random: SecureRandom(), logger: Logger(label: "test"), http: provider, verifier: FakeVerifier()))
    }

    /// Runs /start and returns (authorize URL params, login cookie pair "name=value").
    func start(_ app: Gatehouse, rd: String = "%2Fprivate%2Fpage%3Fa%3D1", cookies: String? = nil) throws -> (QueryParameters, String) {
        let r = app.handle(Fixture.request("/oauth2/start", cookie: cookies, query: "rd=\(rd)"))
        #expect(r.status == 302)
        let location = try #require(r.header("Location"))
        #expect(location.hasPrefix("https://idp.example.com/authorize?"))
        let setCookie = try #require(r.headers(named: "Set-Cookie").first { $0.contains("_login_") && !$0.contains("Max-Age=0") })
        let q = QueryParameters(parsing: location.split(separator: "?", maxSplits: 1)[1])
        // Every later q["state"]! and q["nonce"]! stands on these: a start without them fails here, as a test.
        _ = try #require(q["state"], "the authorize URL has a state")
        _ = try #require(q["nonce"], "the authorize URL has a nonce")
        return (q, String(setCookie.split(separator: ";")[0]))
    }

    @Test func startRedirectsWithStateNoncePKCEAndKwargs() throws {
        let (q, cookie) = try start(try app())
        #expect(q["response_type"] == "code" && q["client_id"] == "client-1")
        #expect(q["redirect_uri"] == "https://app.example.com/oauth2/callback")
        #expect(q["scope"] == "openid email profile")
        #expect(q["code_challenge_method"] == "S256")
        #expect((q["state"]?.count ?? 0) >= 43 && (q["nonce"]?.count ?? 0) >= 43)
        #expect(q["prompt"] == "login" && q["hd"] == "example.com")
        #expect(q.pairs.filter { $0.name == "state" }.count == 1, "client_kwargs cannot override state")
        #expect(cookie.hasPrefix("_gatehouse_login_"))
    }

    @Test func fullLoginSealsASessionAndReturnsToThePage() throws {
        let app = try app()
        let (q, loginCookie) = try start(app)
        provider.answerTokens(idToken: FakeProvider.token(provider.claims(nonce: q["nonce"]!, now: now)))
        let r = app.handle(Fixture.request("/oauth2/callback", cookie: loginCookie, query: "code=abc&state=\(q["state"]!)"))
        #expect(r.status == 302)
        #expect(r.header("Location") == "/private/page?a=1")
        let cookies = r.headers(named: "Set-Cookie")
        let session = try #require(cookies.first { $0.hasPrefix("_gatehouse=") })
        #expect(session.contains("HttpOnly") && session.contains("Secure") && session.contains("SameSite=Lax"))
        #expect(cookies.contains { $0.hasPrefix(loginCookie.split(separator: "=")[0] + "=;") && $0.contains("Max-Age=0") })

        // The session works for the auth check, and userinfo claims were merged.
        let check = app.handle(Fixture.request(cookie: String(session.split(separator: ";")[0])))
        #expect(check.status == 200 && check.header("X-Auth-Request-Email") == "diana@example.org")
        let me = app.handle(Fixture.request("/oauth2/userinfo", cookie: String(session.split(separator: ";")[0])))
        let json = try #require(JSONText.parseObject(me.body))
        #expect(json["phone_number"] == .string("+46 90 7865000"))
        #expect(json["nonce"] == nil && json["aud"] == nil, "protocol claims are not kept")

        // The token request: code, PKCE verifier, Basic auth with form-encoded credentials.
        let tokenRequest = try #require(provider.requests.first { $0.url.hasSuffix("/token") })
        let form = QueryParameters(parsing: String(decoding: tokenRequest.body ?? [], as: UTF8.self))
        #expect(form["grant_type"] == "authorization_code" && form["code"] == "abc")
        let verifier = try #require(form["code_verifier"], "the token request carries the PKCE code_verifier")
        #expect(Base64URL.encode(Digest.sha256(Array(verifier.utf8))) == q["code_challenge"])
        #expect(form["client_secret"] == nil)
        let basic = try #require(tokenRequest.headers.first { $0.name == "Authorization" }?.value)
        #expect(basic == "Basic " + Base64.standard(Array("client-1:s3cret%20%21%40%23".utf8)))
        // Userinfo got the access token in the header only.
        let info = try #require(provider.requests.first { $0.url.hasSuffix("/userinfo") })
        #expect(info.headers.contains { $0.name == "Authorization" && $0.value == "Bearer at-123" } && !info.url.contains("at-123"))
    }

    @Test func clientSecretPostWhenConfigured() throws {
        let config = config("", "").withKwarg("token_endpoint_auth_method", "client_secret_post")
        let app = try app(config)
        let (q, loginCookie) = try start(app)
        provider.answerTokens(idToken: FakeProvider.token(provider.claims(nonce: q["nonce"]!, now: now)))
        _ = app.handle(Fixture.request("/oauth2/callback", cookie: loginCookie, query: "code=abc&state=\(q["state"]!)"))
        let tokenRequest = try #require(provider.requests.first { $0.url.hasSuffix("/token") })
        let form = QueryParameters(parsing: String(decoding: tokenRequest.body ?? [], as: UTF8.self))
        #expect(form["client_id"] == "client-1" && form["client_secret"] == "s3cret !@#")
        #expect(!tokenRequest.headers.contains { $0.name == "Authorization" })
    }

    @Test func replayedMissingOrForeignStateIs400() throws {
        let app = try app()
        let (q, loginCookie) = try start(app)
        provider.answerTokens(idToken: FakeProvider.token(provider.claims(nonce: q["nonce"]!, now: now)))
        #expect(app.handle(Fixture.request("/oauth2/callback", query: "code=abc&state=\(q["state"]!)")).status == 400)
        #expect(app.handle(Fixture.request("/oauth2/callback", cookie: loginCookie, query: "code=abc")).status == 400)
        let other = q["state"]!.prefix(16) + "XXXXXXXXXXXXXXXXXXXXXXXXXXX"
        #expect(app.handle(Fixture.request("/oauth2/callback", cookie: loginCookie, query: "code=abc&state=\(other)")).status == 400)
        // A login cookie older than login_timeout is refused.
        let later = try self.app(at: now + 601)
        #expect(later.handle(Fixture.request("/oauth2/callback", cookie: loginCookie, query: "code=abc&state=\(q["state"]!)")).status == 400)
    }

    @Test func providerErrorIsAClearPageNeverARedirect() throws {
        let r = try app().handle(Fixture.request("/oauth2/callback", query: "error=access_denied&error_description=%3Cscript%3E&state=x"))
        #expect(r.status == 400)
        let page = String(decoding: r.body, as: UTF8.self)
        #expect(page.contains("access_denied") && page.contains("Reference: ") && !page.contains("<script>"))
        #expect(page.contains("href=\"/oauth2/start?rd=%2F\">Sign in again</a>"))
    }

    @Test func badIDTokenIsRefusedWithNoSession() throws {
        let app = try app()
        let (q, loginCookie) = try start(app)
        provider.answerTokens(idToken: FakeProvider.token(provider.claims(nonce: "012345678", now: now)))
        let r = app.handle(Fixture.request("/oauth2/callback", cookie: loginCookie, query: "code=abc&state=\(q["state"]!)"))
        #expect(r.status == 400)
        #expect(!r.headers(named: "Set-Cookie").contains { $0.hasPrefix("_gatehouse=") })
    }

    @Test func userinfoWithAnotherSubIsDiscarded() throws {
        provider.set("https://idp.example.com/userinfo", 200, JSONText.encode(["sub": JSONValue.string("foobar"), "email": .string("evil@example.com")]))
        let app = try app()
        let (q, loginCookie) = try start(app)
        provider.answerTokens(idToken: FakeProvider.token(provider.claims(nonce: q["nonce"]!, now: now)))
        let r = app.handle(Fixture.request("/oauth2/callback", cookie: loginCookie, query: "code=abc&state=\(q["state"]!)"))
        let session = try #require(r.headers(named: "Set-Cookie").first { $0.hasPrefix("_gatehouse=") })
        let check = app.handle(Fixture.request(cookie: String(session.split(separator: ";")[0])))
        #expect(check.header("X-Auth-Request-Email") == "diana@example.org")
    }

    @Test func userinfoCanBeSwitchedOff() throws {
        let app = try app(config("", "[gatehouse.providers.default]\nfetch_userinfo = false"))
        let (q, loginCookie) = try start(app)
        provider.answerTokens(idToken: FakeProvider.token(provider.claims(nonce: q["nonce"]!, now: now)))
        let r = app.handle(Fixture.request("/oauth2/callback", cookie: loginCookie, query: "code=abc&state=\(q["state"]!)"))
        #expect(r.status == 302)
        #expect(!provider.requests.contains { $0.url.hasSuffix("/userinfo") })
    }

    @Test func tokenEndpointFailuresMapToStatuses() throws {
        let app = try app()
        // A pending login serves one callback, so each failure gets its own login.
        func callback() throws -> Request {
            let (q, loginCookie) = try start(app)
            return Fixture.request("/oauth2/callback", cookie: loginCookie, query: "code=abc&state=\(q["state"]!)")
        }
        provider.set("https://idp.example.com/token", 400, Array(#"{"error":"invalid_grant"}"#.utf8))
        #expect(app.handle(try callback()).status == 400)
        provider.set("https://idp.example.com/token", 500, Array("oops".utf8))
        #expect(app.handle(try callback()).status == 502)
        provider.set("https://idp.example.com/token", 200, Array("not json".utf8))
        #expect(app.handle(try callback()).status == 502)
        let last = try callback()
        provider.state.withLock { $0.timeout = true }
        #expect(app.handle(last).status == 504)
    }

    @Test func discoveryFailuresStartNoLogin() throws {
        provider.set("https://idp.example.com/.well-known/openid-configuration", 200, Array(#"{"issuer":"https://example.com"}"#.utf8))
        let r = try app().handle(Fixture.request("/oauth2/start", query: "rd=%2F"))
        #expect(r.status == 502 && r.header("Location") == nil)
        provider.set("https://idp.example.com/.well-known/openid-configuration", 503, [])
        #expect(try app().handle(Fixture.request("/oauth2/start")).status == 502)
    }

    @Test func severalProvidersGetAChooserAndUnknownIs400() throws {
        let config = config("""
        [auth.work]
        client_id = "w"
        client_secret = "w"
        server_metadata_url = "https://idp.example.com/.well-known/openid-configuration"
        """)
        let app = try app(config)
        let chooser = app.handle(Fixture.request("/oauth2/start", query: "rd=%2Fx"))
        #expect(chooser.status == 200)
        let page = String(decoding: chooser.body, as: UTF8.self)
        #expect(page.contains("Sign in with Work") && page.contains("/oauth2/start?provider=work&amp;rd=%2Fx"))
        #expect(app.handle(Fixture.request("/oauth2/start", query: "provider=nope")).status == 400)
        let picked = app.handle(Fixture.request("/oauth2/start", query: "provider=work"))
        #expect(picked.status == 302 && picked.header("Location")?.contains("client_id=w") == true)
    }

    @Test func pendingLoginsAreCapped() throws {
        let app = try app()
        var jar: [String] = []
        for _ in 0..<5 {
            let r = app.handle(Fixture.request("/oauth2/start", cookie: jar.isEmpty ? nil : jar.joined(separator: "; ")))
            for c in r.headers(named: "Set-Cookie") {
                let pair = String(c.split(separator: ";")[0])
                let name = pair.split(separator: "=")[0]
                jar.removeAll { $0.hasPrefix(name + "=") }
                if !c.contains("Max-Age=0") { jar.append(pair) }
            }
        }
        #expect(jar.count == 3)
    }

    @Test func returnURLIsValidatedAtStartAndCallback() throws {
        let app = try app()
        let (q, loginCookie) = try start(app, rd: "https%3A%2F%2Fevil.example%2F")
        provider.answerTokens(idToken: FakeProvider.token(provider.claims(nonce: q["nonce"]!, now: now)))
        let r = app.handle(Fixture.request("/oauth2/callback", cookie: loginCookie, query: "code=abc&state=\(q["state"]!)"))
        #expect(r.header("Location") == "/")
    }

    @Test func loginsWaitingOnTheProviderLeaveWorkersForTheCheck() throws {
        #expect(Gatehouse.providerSlotLimit(workers: 4) == 3)
        #expect(Gatehouse.providerSlotLimit(workers: 16) == 12)
        #expect(Gatehouse.providerSlotLimit(workers: 1) == 1)
        let app = try app(config("", "workers = 4"))
        for _ in 0..<3 { #expect(app.providerSlots.acquire()) }
        let busy = app.handle(Fixture.request("/oauth2/start", query: "rd=%2F"))
        #expect(busy.status == 503 && busy.header("Retry-After") == "2")
        #expect(app.handle(Fixture.request(cookie: try Fixture.cookieHeader(config: config()))).status == 200, "the check needs no slot")
        app.providerSlots.release()
        #expect(app.handle(Fixture.request("/oauth2/start", query: "rd=%2F")).status == 302)
    }

    @Test func signOutGoesThroughTheProvidersEndSession() throws {
        let app = try app()
        var s = Fixture.diana
        s.idToken = "id.token.hint"
        let cookie = try Fixture.cookieHeader(for: s, config: config())
        let r = app.handle(Fixture.request("/oauth2/sign_out", cookie: cookie, query: "rd=%2Fbye"))
        let location = try #require(r.header("Location"))
        #expect(location.hasPrefix("https://idp.example.com/logout?"))
        let q = QueryParameters(parsing: location.split(separator: "?")[1])
        #expect(q["id_token_hint"] == "id.token.hint" && q["client_id"] == "client-1")
        #expect(q["post_logout_redirect_uri"] == "https://app.example.com/bye" && q["state"] != nil)
        #expect(r.headers(named: "Set-Cookie").contains { $0.hasPrefix("_gatehouse=;") })
    }
}

extension GatehouseConfig {
    func withKwarg(_ key: String, _ value: String) -> GatehouseConfig {
        var c = self
        c.auth.providers["default"]?.clientKwargs[key] = value
        return c
    }
}

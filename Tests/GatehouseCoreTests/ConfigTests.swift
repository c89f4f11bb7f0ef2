@testable import GatehouseCore
import Testing

@Suite struct ConfigTests {
    /// A Streamlit secrets.toml as its docs show it, with other app secrets around it: loads unchanged.
    @Test func streamlitSecretsLoadUnchanged() throws {
        let text = """
        openai_api_key = "sk-not-ours"
        [connections.db]
        url = "postgres://x"

        [auth]
        redirect_uri = "http://localhost:8501/oauth2callback"
        cookie_secret = "\(Fixture.secret)"
        client_id = "abc"
        client_secret = "xyz"
        server_metadata_url = "https://accounts.google.com/.well-known/openid-configuration"
        expose_tokens = ["id", "access"]

        [auth.microsoft]
        client_id = "ms-id"
        client_secret = "ms-secret"
        server_metadata_url = "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration"
        client_kwargs = { prompt = "login", domain_hint = "example.com" }
        """
        let config = try ConfigLoader.load(toml: text).get()
        #expect(config.auth.providers.keys.sorted() == ["default", "microsoft"])
        let ms = try #require(config.auth.providers["microsoft"])
        #expect(ms.clientID == "ms-id")
        #expect(ms.clientKwargs["domain_hint"] == "example.com")
        #expect(ms.scope == "openid email profile")
        #expect(config.auth.providers["default"]?.tokenEndpointAuthMethod == "client_secret_basic")
        #expect(config.auth.exposeTokens == [.id, .access])
        // Streamlit users' callback path is kept.
        #expect(config.auth.callbackPath(prefix: "/oauth2") == "/oauth2callback")
    }

    @Test func defaults() throws {
        let c = Fixture.config()
        #expect(c.server.prefix == "/oauth2")
        #expect(c.cookie.name == "_gatehouse")
        #expect(c.cookie.secure && c.cookie.sameSite == .lax && c.cookie.path == "/")
        #expect(c.cookie.lifetime == .seconds(30 * 86400))
        #expect(c.headers.user == "X-Auth-Request-User")
        #expect(c.auth.callbackPath(prefix: "/oauth2") == "/oauth2/callback")
        #expect(c.server.listen == .unix(path: "/run/gatehouse/gatehouse.sock"))
    }

    @Test func gatehouseTable() throws {
        let c = Fixture.config("""
        listen = "tcp:127.0.0.1:9000"
        workers = 8
        prefix = "/auth"
        cookie_name = "sess"
        cookie_samesite = "strict"
        cookie_lifetime = "12h"
        trusted_proxies = ["10.0.0.0/8", "::1"]
        allowed_redirect_hosts = [".example.com"]
        log_format = "json"
        [gatehouse.headers]
        user = "X-User"
        groups_claim = "realm_access.roles"
        """)
        #expect(c.server.listen == .tcp(host: "127.0.0.1", port: 9000))
        #expect(c.server.workers == 8 && c.server.prefix == "/auth")
        #expect(c.cookie.name == "sess" && c.cookie.sameSite == .strict && c.cookie.lifetime == .seconds(43200))
        #expect(c.server.trustedProxies.count == 2 && c.server.trustedProxies[0].contains("10.2.3.4"))
        #expect(c.logging.format == .json)
        #expect(c.headers.user == "X-User" && c.headers.groupsClaim == "realm_access.roles")
    }

    @Test func everyProblemIsReportedAtOnceWithItsKeyPath() {
        let text = """
        [auth]
        cookie_secret = "short-and-weak"
        [auth.google]
        client_secret = "s3cr3t-value"
        server_metadata_url = "not a url"
        [gatehouse]
        workers = 0
        listen = "nowhere"
        cookie_samesite = "sometimes"
        colour = "blue"
        """
        guard case .failure(let error) = ConfigLoader.load(toml: text) else { Issue.record("expected failure"); return }
        let paths = Set(error.problems.map(\.keyPath))
        #expect(paths.isSuperset(of: ["auth.cookie_secret", "auth.google.client_id", "auth.google.server_metadata_url",
                                      "auth.redirect_uri", "gatehouse.workers", "gatehouse.listen", "gatehouse.cookie_samesite",
                                      "gatehouse.colour"]))
        let text2 = error.description
        #expect(text2.contains("gatehouse new-secret"))
        // Secrets are never echoed.
        #expect(!text2.contains("short-and-weak"))
        #expect(!text2.contains("s3cr3t-value"))
    }

    @Test func brokenTOMLIsOneClearProblem() {
        guard case .failure(let error) = ConfigLoader.load(toml: "[auth\ncookie_secret = 1") else { Issue.record("expected failure"); return }
        #expect(error.problems.count == 1)
        #expect(error.problems[0].message.contains("line 1"))
    }

    @Test func wrongTypesAreProblems() {
        guard case .failure(let error) = ConfigLoader.load(toml: """
        [auth]
        cookie_secret = 42
        [gatehouse]
        workers = "many"
        cookie_secure = "yes"
        """) else { Issue.record("expected failure"); return }
        #expect(Set(error.problems.map(\.keyPath)) == ["auth.cookie_secret", "gatehouse.workers", "gatehouse.cookie_secure"])
    }

    @Test func secretsFromFilesAndEnvironment() throws {
        let env = ConfigEnvironment(variables: ["GH_CLIENT": "from-env"], readFile: { path in
            path == "/etc/gatehouse/cookie" ? Fixture.secret + "\n" : nil
        })
        let text = """
        [auth]
        redirect_uri = "https://app.example.com/oauth2/callback"
        client_id = "abc"
        server_metadata_url = "https://idp.example.com/.well-known/openid-configuration"
        [gatehouse.secret_files]
        "auth.cookie_secret" = "/etc/gatehouse/cookie"
        [gatehouse.secret_env]
        "auth.client_secret" = "GH_CLIENT"
        """
        let c = try ConfigLoader.load(toml: text, environment: env).get()
        #expect(c.auth.cookieSecrets == [Fixture.secret])
        #expect(c.auth.providers["default"]?.clientSecret == "from-env")

        let missing = ConfigLoader.load(toml: text, environment: ConfigEnvironment())
        guard case .failure(let error) = missing else { Issue.record("expected failure"); return }
        #expect(error.problems.contains { $0.message.contains("GH_CLIENT") })
        #expect(error.problems.contains { $0.message.contains("cannot read /etc/gatehouse/cookie") })
    }

    @Test func previousSecretsOpenButDoNotSeal() throws {
        let c = Fixture.config("previous_cookie_secrets = [\"\(Fixture.otherSecret)\"]")
        #expect(c.auth.cookieSecrets == [Fixture.secret, Fixture.otherSecret])
    }

    @Test(arguments: [
        ("unix:/run/g.sock", ListenAddress.unix(path: "/run/g.sock")),
        ("/run/g.sock", .unix(path: "/run/g.sock")),
        ("127.0.0.1:9000", .tcp(host: "127.0.0.1", port: 9000)),
        ("tcp:[::1]:9000", .tcp(host: "::1", port: 9000)),
        ("fd:0", .inheritedFD(0)),
        ("systemd", .systemd),
    ])
    func listenAddresses(text: String, expected: ListenAddress) {
        #expect(ListenAddress(parsing: text) == expected)
    }

    @Test(arguments: ["unix:relative.sock", "tcp:host", "127.0.0.1:0", "127.0.0.1:70000", "fd:-1", ":80"])
    func badListenAddresses(text: String) {
        #expect(ListenAddress(parsing: text) == nil)
    }

    @Test func secretStrength() {
        #expect(SecretStrength.isStrong(Fixture.secret))
        #expect(SecretStrength.isStrong(String(repeating: "0123456789abcdef", count: 4).shuffledDeterministic()))
        #expect(!SecretStrength.isStrong("correct horse battery staple"))
        #expect(!SecretStrength.isStrong(String(repeating: "a", count: 200)))
        #expect(!SecretStrength.isStrong(String(repeating: "ab", count: 100)))
        #expect(!SecretStrength.isStrong(""))
    }

    @Test func durations() {
        #expect(DurationText.parse("90s") == .seconds(90))
        #expect(DurationText.parse("10m") == .seconds(600))
        #expect(DurationText.parse("30d") == .seconds(2_592_000))
        #expect(DurationText.parse("3600") == .seconds(3600))
        #expect(DurationText.parse("ten minutes") == nil)
        #expect(DurationText.parse("-5s") == nil)
    }

    @Test func ipRanges() throws {
        let v4 = try #require(IPRange(parsing: "192.168.0.0/16"))
        #expect(v4.contains("192.168.44.1") && !v4.contains("192.169.0.1") && !v4.contains("::1"))
        let v6 = try #require(IPRange(parsing: "fd00::/8"))
        #expect(v6.contains("fd12:3456::1") && !v6.contains("fe80::1"))
        #expect(IPRange(parsing: "300.1.1.1") == nil)
        #expect(IPRange(parsing: "10.0.0.0/33") == nil)
    }
}

extension String {
    /// A fixed permutation (a hex string with every digit, out of order) for the entropy test.
    func shuffledDeterministic() -> String {
        let chars = Array(self)
        return String((0..<chars.count).map { chars[($0 * 29) % chars.count] })
    }
}

extension GatehouseConfig {
    func withRedirect(_ uri: String) -> GatehouseConfig {
        var c = self
        c.auth.redirectURI = uri
        return c
    }
}

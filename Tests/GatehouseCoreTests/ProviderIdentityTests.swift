@testable import GatehouseCore
import Testing

/// With several providers, identity says which one it came from: the provider header, `user_claim = "sub@"`
/// (the issuer appended, as mod_auth_openidc's `OIDCRemoteUserClaim sub@`), and `allowed_providers`.
@Suite struct ProviderIdentityTests {
    static func config(_ gatehouse: String = "") -> GatehouseConfig {
        let text = """
        [auth]
        redirect_uri = "https://app.example.com/oauth2/callback"
        cookie_secret = "\(Fixture.secret)"
        [auth.corp]
        client_id = "c"
        client_secret = "c"
        server_metadata_url = "https://corp.example.com/.well-known/openid-configuration"
        [auth.partner]
        client_id = "p"
        client_secret = "p"
        server_metadata_url = "https://partner.example.net/.well-known/openid-configuration"
        [gatehouse]
        \(gatehouse)
        """
        return try! ConfigLoader.load(toml: text).get()
    }

    static func bob(from provider: String, iss: String?) -> Session {
        var claims: [String: JSONValue] = ["sub": .string("bob"), "email": .string("bob@example.org"), "email_verified": .bool(true)]
        if let iss { claims["iss"] = .string(iss) }
        return Session(provider: provider, claims: claims, issuedAt: Fixture.now - 10, expiresAt: Fixture.now + 3600)
    }

    func check(_ session: Session, _ config: GatehouseConfig, role: FastCGIRole = .responder) throws -> Response {
        try Fixture.app(config).handle(Fixture.request(cookie: try Fixture.cookieHeader(for: session, config: config), role: role))
    }

    @Test func theProviderIsAnIdentityHeaderAndAnAuthorizerVariable() throws {
        let config = Self.config()
        let corp = try check(Self.bob(from: "corp", iss: "https://corp.example.com"), config)
        let partner = try check(Self.bob(from: "partner", iss: "https://partner.example.net"), config)
        #expect(corp.status == 200 && corp.header("X-Auth-Request-Provider") == "corp")
        #expect(partner.status == 200 && partner.header("X-Auth-Request-Provider") == "partner")
        let a = try check(Self.bob(from: "partner", iss: nil), config, role: .authorizer)
        #expect(a.header("Variable-X_AUTH_REQUEST_PROVIDER") == "partner")
        let renamed = try check(Self.bob(from: "corp", iss: nil), Self.config("[gatehouse.headers]\nprovider = \"X-Idp\""))
        #expect(renamed.header("X-Idp") == "corp" && renamed.header("X-Auth-Request-Provider") == nil)
    }

    @Test func subAtAppendsTheIssuerSoUsersOfTwoProvidersDiffer() throws {
        let config = Self.config("[gatehouse.headers]\nuser_claim = \"sub@\"")
        let corp = try check(Self.bob(from: "corp", iss: "https://corp.example.com"), config)
        let partner = try check(Self.bob(from: "partner", iss: "https://partner.example.net/tenant/7"), config)
        #expect(corp.header("X-Auth-Request-User") == "bob@corp.example.com")
        #expect(partner.header("X-Auth-Request-User") == "bob@partner.example.net/tenant/7")
        let a = try check(Self.bob(from: "corp", iss: "https://corp.example.com"), config, role: .authorizer)
        #expect(a.header("Variable-REMOTE_USER") == "bob@corp.example.com")
        // Without an issuer there is no user rather than a bare `bob`.
        let bare = try check(Self.bob(from: "corp", iss: nil), config)
        #expect(bare.status == 200 && bare.header("X-Auth-Request-User") == nil)
        #expect(try check(Self.bob(from: "corp", iss: "https://corp.example.com"), Self.config()).header("X-Auth-Request-User") == "bob")
    }

    @Test func allowedProvidersKeepsOtherProvidersOut() throws {
        let config = Self.config("[gatehouse.rules]\nallowed_providers = [\"corp\"]\nallowed_email_domains = [\"example.org\"]")
        #expect(try check(Self.bob(from: "corp", iss: nil), config).status == 200)
        let partner = try check(Self.bob(from: "partner", iss: nil), config)
        #expect(partner.status == 403, "the same email from another provider is not trusted")
        #expect(try check(Self.bob(from: "partner", iss: nil), config, role: .authorizer).status == 403)
    }

    @Test func configProblems() {
        let text = { (gatehouse: String) in """
            [auth]
            redirect_uri = "https://app.example.com/oauth2/callback"
            cookie_secret = "\(Fixture.secret)"
            client_id = "c"
            client_secret = "c"
            server_metadata_url = "https://corp.example.com/.well-known/openid-configuration"
            [gatehouse]
            \(gatehouse)
            """ }
        guard case .failure(let e) = ConfigLoader.load(toml: text("[gatehouse.rules]\nallowed_providers = [\"default\", \"corp\"]")) else {
            Issue.record("an unknown provider in allowed_providers must be refused"); return
        }
        #expect("\(e)".contains("gatehouse.rules.allowed_providers[1]") && !"\(e)".contains("allowed_providers[0]"))
        guard case .failure(let e2) = ConfigLoader.load(toml: text("[gatehouse.headers]\nuser_claim = \"@\"\nprovider = \"X Bad\"")) else {
            Issue.record("user_claim \"@\" and a bad header name must be refused"); return
        }
        #expect("\(e2)".contains("gatehouse.headers.user_claim") && "\(e2)".contains("gatehouse.headers.provider"))
    }
}

@testable import GatehouseCore
import Testing

/// `allowed_signing_algorithms = ["none"]` accepts unsigned ID tokens only over a channel that protects them
/// (OpenID Connect Core 3.1.3.7): an https token endpoint, or one on loopback.
@Suite struct UnsignedIDTokenTests {
    func login(tokenEndpoint: String) throws -> Response {
        let flow = LoginFlowTests()
        let issuer = flow.provider.issuer
        flow.provider.set("\(issuer)/.well-known/openid-configuration", 200, JSONText.encode([
            "issuer": JSONValue.string(issuer), "authorization_endpoint": .string("\(issuer)/authorize"),
            "token_endpoint": .string(tokenEndpoint), "jwks_uri": .string("\(issuer)/jwks"),
            "id_token_signing_alg_values_supported": .array([.string("RS256")]),
        ]))
        let app = try flow.app(flow.config("", "[gatehouse.providers.default]\nallowed_signing_algorithms = [\"none\"]"))
        let (q, loginCookie) = try flow.start(app)
        let unsigned = FakeProvider.token(flow.provider.claims(nonce: q["nonce"]!, now: flow.now), header: ["alg": .string("none")], signature: "")
        flow.provider.set(tokenEndpoint, 200, JSONText.encode(["id_token": JSONValue.string(unsigned), "access_token": .string("at"),
                                                               "token_type": .string("Bearer")]))
        return app.handle(Fixture.request("/oauth2/callback", cookie: loginCookie, query: "code=abc&state=\(q["state"]!)"))
    }

    @Test(arguments: ["https://idp.example.com/token", "http://127.0.0.1:9000/token", "http://localhost/token", "http://[::1]:8080/token"])
    func acceptedOverTLSOrLoopback(endpoint: String) throws {
        #expect(try login(tokenEndpoint: endpoint).status == 302)
    }

    @Test(arguments: ["http://idp.example.com/token", "http://10.0.0.5/token", "http://localhost.evil.example/token"])
    func refusedOverPlainHTTP(endpoint: String) throws {
        let r = try login(tokenEndpoint: endpoint)
        #expect(r.status == 400)
        #expect(!r.headers(named: "Set-Cookie").contains { $0.hasPrefix("_gatehouse=") && !$0.contains("Max-Age=0") })
    }
}

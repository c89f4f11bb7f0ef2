@testable import GatehouseCore
import GatehouseCrypto
import Logging
import Testing

/// RFC 9207: a provider that advertises `authorization_response_iss_parameter_supported` must name itself in the
/// callback; without `iss` (or with another issuer) there is no token request and no session.
@Suite struct AuthorizationResponseIssTests {
    let flow = LoginFlowTests()

    func provider(advertises: JSONValue?) -> FakeProvider {
        let issuer = "https://idp.example.com"
        var doc: [String: JSONValue] = [
            "issuer": .string(issuer), "authorization_endpoint": .string("\(issuer)/authorize"),
            "token_endpoint": .string("\(issuer)/token"), "jwks_uri": .string("\(issuer)/jwks"),
        ]
        if let advertises { doc["authorization_response_iss_parameter_supported"] = advertises }
        return FakeProvider(discovery: doc)
    }

    /// Start, then the callback with `extra` query parameters; returns (callback response, token requests made).
    func login(_ provider: FakeProvider, extra: String) throws -> (Response, Int) {
        let app = try Gatehouse(config: flow.config(), environment: GatehouseEnvironment(
            now: { flow.now }, random: SecureRandom(), logger: Logger(label: "test"), http: provider, verifier: FakeVerifier()))
        let start = app.handle(Fixture.request("/oauth2/start", query: "rd=%2F"))
        let location = try #require(start.header("Location"))
        let q = QueryParameters(parsing: location.split(separator: "?", maxSplits: 1)[1])
        let cookie = try #require(start.headers(named: "Set-Cookie").first { $0.contains("_login_") })
        provider.answerTokens(idToken: FakeProvider.token(provider.claims(nonce: q["nonce"]!, now: flow.now, ["aud": .string("client-1")])))
        let r = app.handle(Fixture.request("/oauth2/callback", cookie: String(cookie.split(separator: ";")[0]),
                                           query: "code=abc&state=\(q["state"]!)" + extra))
        return (r, provider.requests.filter { $0.url.hasSuffix("/token") }.count)
    }

    @Test func metadataReadsTheFlag() throws {
        let body = { (v: String) in Array(#"{"issuer":"https://i.example","authorization_endpoint":"https://i.example/a","token_endpoint":"https://i.example/t","jwks_uri":"https://i.example/k"\#(v)}"#.utf8) }
        #expect(try ProviderMetadata.parse(body(#","authorization_response_iss_parameter_supported":true"#), expectedIssuer: "https://i.example").get().sendsIssInAuthorizationResponse)
        #expect(try !ProviderMetadata.parse(body(#","authorization_response_iss_parameter_supported":"true""#), expectedIssuer: "https://i.example").get().sendsIssInAuthorizationResponse)
        #expect(try !ProviderMetadata.parse(body(""), expectedIssuer: "https://i.example").get().sendsIssInAuthorizationResponse)
    }

    @Test func advertisedAndMissingIsA400WithoutTokenRequest() throws {
        let (r, tokens) = try login(provider(advertises: .bool(true)), extra: "")
        #expect(r.status == 400 && tokens == 0)
        #expect(!r.headers(named: "Set-Cookie").contains { $0.hasPrefix("_gatehouse=") })
        #expect(String(decoding: r.body, as: UTF8.self).contains("did not say which service sent it"))
    }

    @Test func advertisedAndWrongIsA400WithoutTokenRequest() throws {
        let (r, tokens) = try login(provider(advertises: .bool(true)), extra: "&iss=https%3A%2F%2Fevil.example")
        #expect(r.status == 400 && tokens == 0)
    }

    @Test func advertisedAndPresentSignsIn() throws {
        let (r, tokens) = try login(provider(advertises: .bool(true)), extra: "&iss=https%3A%2F%2Fidp.example.com")
        #expect(r.status == 302 && tokens == 1)
        #expect(r.headers(named: "Set-Cookie").contains { $0.hasPrefix("_gatehouse=") })
    }

    @Test func notAdvertisedMayOmitIt() throws {
        for flag in [nil, JSONValue.bool(false)] {
            let (r, tokens) = try login(provider(advertises: flag), extra: "")
            #expect(r.status == 302 && tokens == 1)
        }
    }
}

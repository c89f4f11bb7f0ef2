@testable import GatehouseCore
import Testing

/// A token naming a `kid` the cached key set lacks may re-fetch the JWKS, at most `maxRefetches` times a minute
/// per provider: otherwise every forged callback would make Gatehouse fetch the key set (an amplifier against
/// the provider). Counts the fetches the provider sees.
@Suite struct JWKSRefetchTests {
    @Test func unknownKidsRefetchAtMostFiveTimesAMinute() throws {
        let flow = LoginFlowTests()
        let jwksURL = "\(flow.provider.issuer)/jwks"
        func fetches() -> Int { flow.provider.requests.filter { $0.url == jwksURL }.count }
        // One app: the bound is per process (its ProviderDirectory), as in production.
        let app = try flow.app()
        func callbackOnApp(kid: String) throws -> Int {
            let (q, loginCookie) = try flow.start(app)
            flow.provider.answerTokens(idToken: FakeProvider.token(flow.provider.claims(nonce: q["nonce"]!, now: flow.now),
                                                                   header: ["alg": .string("RS256"), "kid": .string(kid)]))
            return app.handle(Fixture.request("/oauth2/callback", cookie: loginCookie, query: "code=c&state=\(q["state"]!)")).status
        }
        #expect(try callbackOnApp(kid: "k1") == 302, "the first login fetches the key set once")
        #expect(fetches() == 1)
        for i in 0..<20 { #expect(try callbackOnApp(kid: "forged-\(i)") == 400) }
        #expect(fetches() == 1 + ProviderDirectory.maxRefetches, "20 unknown kids, 5 refetches")
    }
}

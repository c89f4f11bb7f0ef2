@testable import GatehouseCore
import GatehouseCrypto
import Testing

/// A verifier that cannot use a key says why; the refusal carries the reason to the log instead of dropping it.
@Suite struct UnusableKeyTests {
    struct Broken: Error, CustomStringConvertible { var description: String { "key type RSA cannot verify ES256" } }
    struct ThrowingVerifier: SignatureVerifying {
        func verify(compactJWS: String, jwkJSON: String) throws -> Bool { throw Broken() }
    }

    @Test func theReasonReachesTheProblem() throws {
        let provider = FakeProvider()
        let keys = JWKSet(parsing: Array(#"{"keys":[{"kty":"RSA","kid":"k1","use":"sig","n":"x","e":"AQAB"}]}"#.utf8))!.keys
        let v = IDTokenValidator(issuer: provider.issuer, clientID: "client-1", advertised: ["RS256"], configured: [], verifier: ThrowingVerifier())
        let token = FakeProvider.token(provider.claims(nonce: "n", now: 1_800_000_000))
        let problem = try #require(throws: IDTokenProblem.self) {
            try v.validate(token, candidates: keys, nonce: "n", accessToken: nil, now: 1_800_000_000)
        }
        #expect(problem == .badSignature(unusableKeys: ["key k1: key type RSA cannot verify ES256"]))
        #expect(problem.description.contains("does not verify (key k1: key type RSA cannot verify ES256)"))
    }
}

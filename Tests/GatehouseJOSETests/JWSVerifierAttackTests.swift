import GatehouseCore
import GatehouseJOSE
import Testing

/// The real libcjose verifier (as the executable wires it) behind IDTokenValidator, against tokens made by
/// Python (Vectors.swift): the known token attacks must all fail, and honest tokens must pass.
struct CjoseForTests: SignatureVerifying {
    let verifier = JWSVerifier()
    func verify(compactJWS: String, jwkJSON: String) throws -> Bool { try verifier.verify(compactJWS: compactJWS, jwkJSON: jwkJSON) }
}

@Suite struct JWSVerifierAttackTests {
    let keys = JWKSet(parsing: Array(#"{"keys":[\#(Vectors.rsaJWK),\#(Vectors.ecJWK)]}"#.utf8))!

    func validator(configured: [String] = []) -> IDTokenValidator {
        IDTokenValidator(issuer: "https://idp.example.com", clientID: "client-1", advertised: ["RS256", "PS256", "ES256", "HS256", "none"],
                         configured: configured, verifier: CjoseForTests())
    }

    /// The whole check as the callback does it: header, key choice from the JWKS, signature, claims.
    func validate(_ token: String, validator: IDTokenValidator? = nil) throws(IDTokenProblem) -> [String: JSONValue] {
        let v = validator ?? self.validator()
        let header = try v.header(of: token)
        let candidates = header.alg == "none" ? [] : keys.candidates(alg: header.alg, kid: header.kid)
        return try v.validate(token, candidates: candidates, nonce: "n-0S6_WzA2Mj", accessToken: nil, now: Vectors.now)
    }

    @Test(arguments: [Vectors.rs256Valid, Vectors.ps256Valid, Vectors.es256Valid])
    func honestTokensVerify(_ token: String) throws {
        #expect(try validate(token)["sub"] == .string("diana"))
    }

    @Test(arguments: [
        ("alg none", Vectors.algNone), ("alg NONE", Vectors.algNoneUpper), ("alg none with a signature", Vectors.algNoneWithSignature),
        ("HS256 keyed with the public key PEM", Vectors.hs256KeyedWithPEM), ("HS256 keyed with the public key DER", Vectors.hs256KeyedWithDER),
        ("HS256 keyed with the JWK text", Vectors.hs256KeyedWithJWKText), ("HS256 keyed with the modulus", Vectors.hs256KeyedWithModulus),
        ("signed by another key with the same kid", Vectors.rs256ByAnotherKeySameKid), ("claims changed after signing", Vectors.rs256TamperedClaims),
        ("RS256 signature under a PS256 header", Vectors.rs256HeaderSaysPS256), ("typ at+jwt", Vectors.rs256TypAccessToken),
        ("typ JOSE", Vectors.rs256TypJWS), ("empty signature", Vectors.rs256EmptySignature), ("truncated signature", Vectors.rs256TruncatedSignature),
        ("ES256 signature in DER, not JWS form", Vectors.es256SignatureAsDER),
    ])
    func attacksAreRefused(_ name: String, _ token: String) {
        #expect(throws: IDTokenProblem.self, "\(name)") { _ = try validate(token) }
    }

    @Test func noneIsRefusedEvenWhenTheProviderAdvertisesIt() {
        #expect(!validator().allowedAlgorithms.contains("none") && !validator().allowedAlgorithms.contains("HS256"))
    }

    /// Below the validator: libcjose itself, given the wrong key type or an HMAC/none token, never says "verified".
    @Test func verifierRefusesWrongKeyTypesAndSymmetricAlgorithms() throws {
        let v = JWSVerifier()
        #expect(try v.verify(compactJWS: Vectors.rs256Valid, jwkJSON: Vectors.rsaJWK))
        #expect(try v.verify(compactJWS: Vectors.es256Valid, jwkJSON: Vectors.ecJWK))
        #expect(try !v.verify(compactJWS: Vectors.rs256Valid, jwkJSON: Vectors.ecJWK), "RSA token, EC key")
        #expect(try !v.verify(compactJWS: Vectors.es256Valid, jwkJSON: Vectors.rsaJWK), "EC token, RSA key")
        #expect(try !v.verify(compactJWS: Vectors.rs256Valid, jwkJSON: Vectors.otherRSAJWK), "another RSA key")
        #expect(try !v.verify(compactJWS: Vectors.rs256Valid, jwkJSON: Vectors.octJWKOfThePEM), "symmetric key")
        for token in [Vectors.hs256KeyedWithPEM, Vectors.hs256KeyedWithJWKText] {
            for key in [Vectors.rsaJWK, Vectors.octJWKOfThePEM] {
                #expect(throws: JOSEError.self) { try v.verify(compactJWS: token, jwkJSON: key) }
            }
        }
        #expect(throws: JOSEError.self) { try v.verify(compactJWS: Vectors.algNone, jwkJSON: Vectors.rsaJWK) }
        #expect(throws: JOSEError.self) { try v.verify(compactJWS: "not.a.jws!", jwkJSON: Vectors.rsaJWK) }
        #expect(throws: JOSEError.self) { try v.verify(compactJWS: Vectors.rs256Valid, jwkJSON: "{\"kty\":\"RSA\"}") }
    }

    @Test func keyChoiceNeverOffersAnRSAKeyForHMACOrNone() {
        #expect(keys.candidates(alg: "HS256", kid: "r1").isEmpty && keys.candidates(alg: "none", kid: nil).isEmpty)
        #expect(keys.candidates(alg: "ES256", kid: "r1").isEmpty, "wrong key type for the kid")
    }
}

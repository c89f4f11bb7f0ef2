import GatehouseJOSE
import Testing

/// JWSVerifier against tokens and keys made by joserfc (VerifierVectors.swift, from make_verifier_vectors.py).
@Suite struct JWSVerifierTests {
    let verifier = JWSVerifier()
    typealias V = VerifierVectors

    /// A token and a key, shown in test output by name only.
    struct Case: Sendable, CustomTestStringConvertible {
        let testDescription: String, token: String, key: String
        init(_ name: String, _ token: String, _ key: String = "") { (testDescription, self.token, self.key) = (name, token, key) }
    }

    @Test(arguments: [
        Case("RS256", V.rs256, V.rsaJWK), Case("RS512", V.rs512, V.rsaJWK), Case("PS256", V.ps256, V.rsaJWK),
        Case("PS384", V.ps384, V.rsaJWK), Case("ES256", V.es256, V.ecP256JWK), Case("ES384", V.es384, V.ecP384JWK),
    ])
    func honestSignaturesVerify(_ c: Case) throws {
        #expect(try verifier.verify(compactJWS: c.token, jwkJSON: c.key))
    }

    @Test(arguments: [
        Case("RS256, another RSA key", V.rs256, V.otherRSAJWK),
        Case("PS256, another RSA key", V.ps256, V.otherRSAJWK),
        Case("ES256, another P-256 key", V.es256, V.otherECP256JWK),
        Case("RS256, payload replaced", V.rs256TamperedPayload, V.rsaJWK),
        Case("ES256, payload replaced", V.es256TamperedPayload, V.ecP256JWK),
        Case("RS256, signature characters shuffled", V.rs256ShuffledSignature, V.rsaJWK),
        Case("ES256, signature characters shuffled", V.es256ShuffledSignature, V.ecP256JWK),
    ])
    func wrongSignaturesDoNotVerify(_ c: Case) throws {
        #expect(try !verifier.verify(compactJWS: c.token, jwkJSON: c.key))
    }

    /// A key that cannot have made the signature is a plain "no", decided before libcjose is asked.
    @Test(arguments: [
        Case("RS256, EC key", V.rs256, V.ecP256JWK), Case("PS256, EC key", V.ps256, V.ecP256JWK),
        Case("ES256, RSA key", V.es256, V.rsaJWK), Case("ES256, P-384 key", V.es256, V.ecP384JWK),
        Case("ES384, P-256 key", V.es384, V.ecP256JWK), Case("RS256, oct key", V.rs256, V.hmacJWK),
        Case("RS256, the PEM as an oct key", V.rs256, V.publicPEMAsOctJWK), Case("ES256, oct key", V.es256, V.hmacJWK),
    ])
    func keysOfAnotherTypeOrCurveDoNotVerify(_ c: Case) throws {
        #expect(try !verifier.verify(compactJWS: c.token, jwkJSON: c.key))
    }

    /// `none` and HMAC are refused from the header alone, whatever key is offered; that includes the
    /// algorithm-confusion token (HS256 keyed with the RSA public key's PEM) with the very key it was made with.
    @Test(arguments: [
        Case("alg none", V.algNone), Case("alg none with an RS256 signature", V.algNoneWithRS256Signature),
        Case("HS256 keyed with the public PEM", V.hs256KeyedWithPublicPEM), Case("honest HS256", V.hs256Honest),
        Case("honest HS512", V.hs512Honest), Case("RS256 with crit", V.rs256WithCrit),
    ])
    func noneHMACAndCritAreRefused(_ c: Case) {
        for key in [V.rsaJWK, V.ecP256JWK, V.hmacJWK, V.publicPEMAsOctJWK] {
            #expect(throws: JOSEError.unsupportedAlgorithm) { try verifier.verify(compactJWS: c.token, jwkJSON: key) }
        }
    }

    @Test func refusalSaysWhichAlgorithm() {
        #expect {
            try verifier.verify(compactJWS: V.hs256KeyedWithPublicPEM, jwkJSON: V.rsaJWK)
        } throws: { error in
            (error as? JOSEError).map { $0.isUnsupportedAlgorithm && $0.description.contains("\"HS256\"") } ?? false
        }
    }

    /// Header algs that are not in the list, spelled by hand (libcjose itself refuses to import some of them).
    @Test(arguments: [
        #"{"alg":"none"}"#, #"{"alg":"None"}"#, #"{"alg":"HS256"}"#, #"{"alg":"EdDSA"}"#, #"{"alg":"rs256"}"#,
        #"{"alg":""}"#, #"{"alg":"RS256 "}"#,
    ])
    func algorithmsOutsideTheListNeverVerify(_ header: String) {
        let rs256 = V.rs256.split(separator: ".")
        let token = "\(Self.base64URL(header)).\(rs256[1]).\(rs256[2])"
        #expect(throws: JOSEError.self, "\(header)") { try verifier.verify(compactJWS: token, jwkJSON: V.rsaJWK) }
    }

    @Test(arguments: [
        "", ".", "..", "...", "a.b", "a.b.c", "a.b.c.d", "a.b.c.d.e", "not a token", "eyJ.eyJ.eyJ",
        "\u{0}", "é.é.é", String(repeating: "A", count: 70_000), String(repeating: ".", count: 10_000),
        Self.base64URL("[]") + ".e30.", Self.base64URL("{}") + ".e30.", Self.base64URL(#"{"alg":1}"#) + ".e30.",
        Self.base64URL(#"{"alg":"RS256"}"#) + ".!!!.AAAA", Self.base64URL(#"{"alg":"RS256"}"#) + ".e30.!!!",
    ])
    func garbageTokensThrow(_ token: String) {
        #expect(throws: JOSEError.self) { try verifier.verify(compactJWS: token, jwkJSON: V.rsaJWK) }
    }

    @Test(arguments: [
        "", "{}", "[]", "null", "\u{0}", "not json", #"{"keys":[]}"#, #"{"kty":"RSA"}"#, #"{"kty":"RSA","n":"!!","e":"AQAB"}"#,
        #"{"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA"}"#, #"{"kty":"EC","crv":"P-999","x":"AAAA","y":"AAAA"}"#,
        #"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#,
        String(repeating: " ", count: 70_000) + "{}",
    ])
    func garbageKeysThrow(_ key: String) {
        #expect(throws: JOSEError.malformedKey) { try verifier.verify(compactJWS: V.rs256, jwkJSON: key) }
    }

    @Test func aKeySetIsNotAKey() {
        #expect(throws: JOSEError.malformedKey) {
            try verifier.verify(compactJWS: V.rs256, jwkJSON: #"{"keys":[\#(V.rsaJWK)]}"#)
        }
    }

    @Test func errorsCompareByKindAndDescribeThemselves() throws {
        let error = try #require(throws: JOSEError.self) { try verifier.verify(compactJWS: "a.b", jwkJSON: V.rsaJWK) }
        #expect(error == .malformedToken && error != .malformedKey)
        #expect(error.description.hasPrefix("the token is not a usable compact JWS"))
    }

    /// Many threads at once, each with its own libcjose objects: no shared state, same answers.
    @Test func concurrentVerificationsAgree() async {
        await withTaskGroup(of: Bool.self) { group in
            for i in 0..<64 {
                group.addTask {
                    let good = (try? JWSVerifier().verify(compactJWS: V.rs256, jwkJSON: V.rsaJWK)) == true
                    let bad = (try? JWSVerifier().verify(compactJWS: V.rs256TamperedPayload, jwkJSON: V.rsaJWK)) == false
                    let none = (try? JWSVerifier().verify(compactJWS: V.algNone, jwkJSON: V.rsaJWK)) == nil
                    return good && bad && none && i >= 0
                }
            }
            for await agreed in group { #expect(agreed) }
        }
    }

    static func base64URL(_ text: String) -> String {
        let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        let bytes = Array(text.utf8)
        var out = ""
        for start in stride(from: 0, to: bytes.count, by: 3) {
            let chunk = bytes[start..<min(start + 3, bytes.count)]
            let n = chunk.enumerated().reduce(0) { $0 | Int($1.element) << (16 - 8 * $1.offset) }
            for i in 0...chunk.count { out.append(table[(n >> (18 - 6 * i)) & 63]) }
        }
        return out
    }
}

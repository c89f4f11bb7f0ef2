@testable import GatehouseCore
import GatehouseCrypto
import Testing

@Suite struct IDTokenValidatorTests {
    let provider = FakeProvider()
    let now: Int64 = 1_800_000_000
    let keys = JWKSet(parsing: Array(#"{"keys":[{"kty":"RSA","kid":"k1","use":"sig","n":"x","e":"AQAB"}]}"#.utf8))!.keys

    func validator(configured: [String] = [], advertised: [String] = ["RS256"]) -> IDTokenValidator {
        IDTokenValidator(issuer: provider.issuer, clientID: "client-1", advertised: advertised, configured: configured, verifier: FakeVerifier())
    }

    func check(_ changes: [String: JSONValue?], header: [String: JSONValue] = ["alg": .string("RS256"), "kid": .string("k1")],
               signature: String = "valid", accessToken: String? = nil, configured: [String] = []) throws(IDTokenProblem) {
        let token = FakeProvider.token(provider.claims(nonce: "n-1", now: now, changes), header: header, signature: signature)
        _ = try validator(configured: configured).validate(token, candidates: keys, nonce: "n-1", accessToken: accessToken, now: now)
    }

    @Test func acceptsAGoodToken() throws {
        try check([:])
        try check(["aud": .array([.string("client-1"), .string("other")]), "azp": .string("client-1")])
    }

    @Test(arguments: [
        ("iss", JSONValue?.some(.string("https://example.org/")), IDTokenProblem.wrongIssuer),
        ("aud", .some(.string("https://example.com/")), .wrongAudience),
        ("aud", .some(.array([.string("client-1"), .string("other")])), .missingAuthorizedParty),
        ("azp", .some(.string("someone-else")), .wrongAuthorizedParty),
        ("exp", .some(.number(1_799_999_000)), .expired),
        ("exp", nil, .noExpiry),
        ("iat", nil, .noIssuedAt),
        ("iat", .some(.string("yesterday")), .noIssuedAt),
        ("iat", .some(.number(1_800_001_000)), .issuedInTheFuture),
        ("nbf", .some(.number(1_800_001_000)), .notYetValid),
        ("nonce", .some(.string("012345678")), .wrongNonce),
        ("nonce", nil, .wrongNonce),
        ("sub", nil, .noSubject),
        ("sub", .some(.string("")), .noSubject),
    ])
    func refusesBadClaims(key: String, value: JSONValue?, expected: IDTokenProblem) {
        #expect(throws: expected) { try check([key: value]) }
    }

    @Test func refusesBadSignaturesAndUnknownKeys() {
        #expect(throws: IDTokenProblem.badSignature(unusableKeys: [])) { try check([:], signature: "forged") }
        #expect(throws: IDTokenProblem.self) {
            let token = FakeProvider.token(provider.claims(nonce: "n-1", now: now), signature: "valid")
            _ = try validator().validate(token, candidates: [], nonce: "n-1", accessToken: nil, now: now)
        }
    }

    @Test func refusesNoneAndHMACUnlessConfigured() throws {
        #expect(throws: IDTokenProblem.algorithmNotAllowed("none")) { try check([:], header: ["alg": .string("none")], signature: "") }
        #expect(throws: IDTokenProblem.algorithmNotAllowed("HS256")) { try check([:], header: ["alg": .string("HS256"), "kid": .string("k1")]) }
        // Even when the provider advertises them.
        let v = validator(advertised: ["none", "HS256", "RS256"])
        #expect(!v.allowedAlgorithms.contains("none") && !v.allowedAlgorithms.contains("HS256"))
        // `none` is accepted only when the config names it, and then only unsigned.
        try check([:], header: ["alg": .string("none")], signature: "", configured: ["none"])
        #expect(throws: IDTokenProblem.unsignedWithSignature) { try check([:], header: ["alg": .string("none")], signature: "abc", configured: ["none"]) }
    }

    @Test func refusesWrongTyp() throws {
        #expect(throws: IDTokenProblem.wrongType("at+jwt")) { try check([:], header: ["alg": .string("RS256"), "kid": .string("k1"), "typ": .string("at+jwt")]) }
        try check([:], header: ["alg": .string("RS256"), "kid": .string("k1"), "typ": .string("JWT")])
    }

    @Test func atHash() throws {
        let good = IDTokenValidator.leftHalfHash("at-123", alg: "RS256")!
        #expect(good == Base64URL.encode(Digest.sha256(Array("at-123".utf8)).prefix(16)))
        try check(["at_hash": .string(good)], accessToken: "at-123")
        #expect(throws: IDTokenProblem.wrongAccessTokenHash) { try check(["at_hash": .string(good)], accessToken: "other-token") }
    }

    @Test(arguments: ["", "a.b", "a.b.c.d", "!!!.###.$$$", "e30.e30.", String(repeating: "A", count: 70_000) + ".e30.x"])
    func malformedTokens(token: String) {
        #expect(throws: IDTokenProblem.self) { _ = try validator().validate(token, candidates: keys, nonce: "n-1", accessToken: nil, now: now) }
    }
}

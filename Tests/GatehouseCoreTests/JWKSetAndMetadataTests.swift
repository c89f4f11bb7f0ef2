@testable import GatehouseCore
import GatehouseCrypto
import Testing

@Suite struct JWKSetAndMetadataTests {
    @Test func keyChoiceWithoutKidUsesTypeUseAndAlg() throws {
        let set = try #require(JWKSet(parsing: Array("""
        {"keys":[{"kty":"RSA","use":"sig","kid":"a"},{"kty":"EC","use":"sig","crv":"P-256","kid":"b"},
                 {"kty":"RSA","use":"enc","kid":"c"},{"kty":"EC","use":"enc","crv":"P-256","kid":"d"},
                 {"kty":"RSA","kid":"e","alg":"RS512"},{"kty":"oct","kid":"f"}]}
        """.utf8)))
        #expect(set.candidates(alg: "RS256", kid: nil).map(\.kid) == ["a"])
        #expect(set.candidates(alg: "ES256", kid: nil).map(\.kid) == ["b"])
        #expect(set.candidates(alg: "RS256", kid: "c").isEmpty)
        #expect(set.candidates(alg: "RS512", kid: nil).map(\.kid) == ["a", "e"])
        #expect(set.candidates(alg: "HS256", kid: nil).isEmpty)
        #expect(JWKSet(parsing: Array("[]".utf8)) == nil)
    }

    @Test func discoveryIssuerMustMatchExactly() {
        let url = "https://idp.example.com/realms/x/.well-known/openid-configuration"
        #expect(ProviderMetadata.expectedIssuer(forMetadataURL: url) == "https://idp.example.com/realms/x")
        let doc = #"{"issuer":"https://example.com","authorization_endpoint":"https://e/a","token_endpoint":"https://e/t","jwks_uri":"https://e/j"}"#
        guard case .failure(let p) = ProviderMetadata.parse(Array(doc.utf8), expectedIssuer: "https://idp.example.com/realms/x") else {
            Issue.record("accepted a foreign issuer"); return
        }
        #expect(p == .wrongIssuer(found: "https://example.com", expected: "https://idp.example.com/realms/x"))
        if case .success = ProviderMetadata.parse(Array("not json".utf8), expectedIssuer: "x") { Issue.record("accepted garbage") }
        let missing = #"{"issuer":"x","authorization_endpoint":"https://e/a","jwks_uri":"https://e/j"}"#
        if case .success = ProviderMetadata.parse(Array(missing.utf8), expectedIssuer: "x") { Issue.record("accepted a document without token_endpoint") }
    }
}

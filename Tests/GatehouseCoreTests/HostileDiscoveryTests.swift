@testable import GatehouseCore
import GatehouseCrypto
import Testing

@Suite struct HostileDiscoveryTests {
    @Test func endpointsWithControlCharactersOrSpacesAreRefused() {
        for bad in ["https://idp.example.com/a\r\nSet-Cookie: x=1", "https://idp.example.com/a b", "https://idp.example.com/\u{0}", "https://idp.example.com/é"] {
            let doc = JSONText.encode(["issuer": JSONValue.string("https://idp.example.com"), "authorization_endpoint": .string(bad),
                                       "token_endpoint": .string("https://idp.example.com/t"), "jwks_uri": .string("https://idp.example.com/j")])
            if case .success = ProviderMetadata.parse(doc, expectedIssuer: "https://idp.example.com") {
                Issue.record("accepted authorization_endpoint \(bad.debugDescription)")
            }
        }
    }
}

@testable import GatehouseCore
import Foundation
import Synchronization

/// A provider in memory: discovery, JWKS, token and userinfo endpoints, with a record of what was asked.
final class FakeProvider: OutboundHTTP, Sendable {
    let issuer = "https://idp.example.com"
    struct State {
        var routes: [String: (Int, [UInt8])] = [:]
        var requests: [OutboundRequest] = []
        var timeout = false
        var tokenResponse: (Int, [UInt8])?
    }
    let state = Mutex(State())

    init(discovery: [String: JSONValue]? = nil) {
        let doc: [String: JSONValue] = discovery ?? [
            "issuer": .string(issuer), "authorization_endpoint": .string("\(issuer)/authorize"),
            "token_endpoint": .string("\(issuer)/token"), "userinfo_endpoint": .string("\(issuer)/userinfo"),
            "jwks_uri": .string("\(issuer)/jwks"), "end_session_endpoint": .string("\(issuer)/logout"),
            "id_token_signing_alg_values_supported": .array([.string("RS256")]),
        ]
        set("\(issuer)/.well-known/openid-configuration", 200, JSONText.encode(doc))
        set("\(issuer)/jwks", 200, Array(#"{"keys":[{"kty":"RSA","kid":"k1","use":"sig","n":"AQAB","e":"AQAB"},{"kty":"EC","kid":"e1","crv":"P-256","x":"A","y":"B"}]}"#.utf8))
        set("\(issuer)/userinfo", 200, JSONText.encode(["sub": JSONValue.string("diana"), "phone_number": .string("+46 90 7865000")]))
    }

    func set(_ url: String, _ status: Int, _ body: [UInt8]) { state.withLock { $0.routes[url] = (status, body) } }
    var requests: [OutboundRequest] { state.withLock { $0.requests } }

    func send(_ request: OutboundRequest) throws(OutboundError) -> OutboundResponse {
        let (timeout, route) = state.withLock { s -> (Bool, (Int, [UInt8])?) in
            s.requests.append(request)
            let path = request.url.split(separator: "?")[0]
            return (s.timeout, s.routes[String(path)])
        }
        if timeout { throw OutboundError(isTimeout: true, description: "timed out") }
        guard let route else { throw OutboundError(isTimeout: false, description: "connection refused") }
        return OutboundResponse(status: route.0, body: route.1)
    }

    /// An ID token whose "signature" the FakeVerifier accepts for key k1.
    static func token(_ claims: [String: JSONValue], header: [String: JSONValue] = ["alg": .string("RS256"), "kid": .string("k1")], signature: String = "valid") -> String {
        Base64URL.encode(JSONText.encode(header)) + "." + Base64URL.encode(JSONText.encode(claims)) + "." + signature
    }

    func answerTokens(idToken: String, accessToken: String = "at-123") {
        set("\(issuer)/token", 200, JSONText.encode(["id_token": JSONValue.string(idToken), "access_token": .string(accessToken), "token_type": .string("Bearer")]))
    }

    func claims(nonce: String, now: Int64, _ changes: [String: JSONValue?] = [:]) -> [String: JSONValue] {
        var c: [String: JSONValue] = ["iss": .string(issuer), "sub": .string("diana"), "aud": .string("client-1"), "exp": .number(Double(now + 300)),
                                      "iat": .number(Double(now)), "nonce": .string(nonce), "email": .string("diana@example.org"), "name": .string("Diana Prince")]
        for (k, v) in changes { c[k] = v }
        return c
    }
}

/// Accepts a signature "valid" with the key whose kid is k1; anything else fails.
struct FakeVerifier: SignatureVerifying {
    func verify(compactJWS: String, jwkJSON: String) throws -> Bool {
        compactJWS.hasSuffix(".valid") && jwkJSON.contains(#""kid":"k1""#)
    }
}

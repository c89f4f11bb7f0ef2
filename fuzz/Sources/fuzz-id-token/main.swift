import FuzzSupport
import GatehouseCore

let validator = IDTokenValidator(issuer: Fuzz.issuer, clientID: "client-1", advertised: ["RS256", "ES256", "HS256", "none"], configured: [],
                                 verifier: AcceptingVerifier())
let key = JWKSet(parsing: Array(#"{"keys":[{"kty":"RSA","kid":"k1","n":"AQAB","e":"AQAB"}]}"#.utf8))!.keys

/// ID tokens: the unverified split, the header check and every claim check (the signature is accepted, so
/// the checks behind it are reached). Whatever validates has our issuer, audience, nonce and a sub.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let token = String(decoding: Fuzz.bytes(data, size), as: UTF8.self)
    _ = IDTokenValidator.unverifiedParts(token)
    if let header = try? validator.header(of: token) {
        Fuzz.require(header.alg != "none" && !header.alg.hasPrefix("HS"), "algorithm \(header.alg) allowed by the provider's word alone")
    }
    if let claims = try? validator.validate(token, candidates: key, nonce: "n-0S6_WzA2Mj", accessToken: "at", now: Fuzz.now) {
        Fuzz.require(claims["iss"]?.stringValue == Fuzz.issuer && claims["nonce"]?.stringValue == "n-0S6_WzA2Mj", "claims")
        Fuzz.require(!(claims["sub"]?.stringValue ?? "").isEmpty, "sub")
    }
    return 0
}

Fuzz.run(fuzz)

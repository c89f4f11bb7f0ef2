/// Verifies one JWS signature with one public key, using libcjose (the library mod_auth_openidc is built on).
///
/// Only asymmetric algorithms are verified (RS*, PS*, ES*), and only with a key that can have made the signature:
/// an RSA key for RS and PS, an EC key on the algorithm's own curve for ES. Claims are not looked at here.
public struct JWSVerifier: Sendable {
    public init() {}

    /// True when `compactJWS`'s signature verifies with the single JWK given as JSON text (one key object, not a set).
    /// False when it does not, including when the key's type or curve cannot have made it.
    /// Throws for a key or token libcjose cannot parse. Never accepts alg "none" or an HMAC alg (HS256/384/512), nor a
    /// token with critical header extensions: those throw `JOSEError.unsupportedAlgorithm`.
    public func verify(compactJWS: String, jwkJSON: String) throws(JOSEError) -> Bool {
        let jws = try JWS(compact: compactJWS)
        // The header decides before any key is used: a public key must never become an HMAC secret.
        let algorithm = try SignatureAlgorithm(header: jws.algorithm())
        guard try !jws.hasCriticalExtensions() else {
            throw .unsupportedAlgorithm("the token lists critical header extensions (crit), and none is supported")
        }
        let key = try JWK(json: jwkJSON)
        guard try algorithm.accepts(key.kind()) else { return false }
        return try jws.verify(with: key)
    }
}

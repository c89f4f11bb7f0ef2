internal import CJose

/// A JOSE failure: a key or token libcjose cannot read, or an algorithm Gatehouse never verifies.
public struct JOSEError: Error, Equatable, CustomStringConvertible, Sendable {
    private enum Kind: Equatable { case malformedKey, malformedToken, unsupportedAlgorithm }
    private let kind: Kind
    public let description: String

    static func malformedKey(_ why: String) -> JOSEError { JOSEError(kind: .malformedKey, description: "unusable JWK: \(why)") }
    static func malformedToken(_ why: String) -> JOSEError { JOSEError(kind: .malformedToken, description: "unusable JWS: \(why)") }
    static func unsupported(_ alg: String) -> JOSEError { JOSEError(kind: .unsupportedAlgorithm, description: "algorithm \(alg) is never accepted") }

    public var isUnsupportedAlgorithm: Bool { kind == .unsupportedAlgorithm }
}

/// Verifies JWS signatures with libcjose, the library mod_auth_openidc is built on.
public struct JWSVerifier: Sendable {
    public init() {}

    /// True when `compactJWS`'s signature verifies with the single JWK given as JSON text.
    /// Never verifies `none` or an HMAC algorithm: a public key must not become an HMAC secret.
    public func verify(compactJWS: String, jwkJSON: String) throws(JOSEError) -> Bool {
        let key = try JWK(json: jwkJSON)
        let jws = try JWS(compact: compactJWS)
        let alg = try jws.algorithm()
        guard let family = Self.keyType(for: alg) else { throw .unsupported(alg) }
        // A key of another type can never have made this signature.
        guard key.keyType == family else { return false }
        return jws.verify(with: key)
    }

    static func keyType(for alg: String) -> cjose_jwk_kty_t? {
        switch alg {
        case "RS256", "RS384", "RS512", "PS256", "PS384", "PS512": return CJOSE_JWK_KTY_RSA
        case "ES256", "ES384", "ES512": return CJOSE_JWK_KTY_EC
        default: return nil
        }
    }
}

/// Owns one `cjose_jwk_t`, released in deinit.
final class JWK {
    let pointer: OpaquePointer

    init(json: String) throws(JOSEError) {
        var err = cjose_err()
        let bytes = Array(json.utf8)
        guard let p = bytes.withUnsafeBufferPointer({ buf in
            buf.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buf.count) { cjose_jwk_import($0, buf.count, &err) }
        }) else { throw .malformedKey(Self.message(err)) }
        pointer = p
    }

    deinit { _ = cjose_jwk_release(pointer) }

    var keyType: cjose_jwk_kty_t? {
        var err = cjose_err()
        let kty = cjose_jwk_get_kty(pointer, &err)
        return err.code == CJOSE_ERR_NONE ? kty : nil
    }

    static func message(_ err: cjose_err) -> String {
        err.message.map { String(cString: $0) } ?? "code \(err.code.rawValue)"
    }
}

/// Owns one `cjose_jws_t`, released in deinit.
final class JWS {
    let pointer: OpaquePointer

    init(compact: String) throws(JOSEError) {
        guard !compact.isEmpty, compact.utf8.count <= 64 * 1024 else { throw .malformedToken("empty or too long") }
        var err = cjose_err()
        let bytes = Array(compact.utf8)
        guard let p = bytes.withUnsafeBufferPointer({ buf in
            buf.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buf.count) { cjose_jws_import($0, buf.count, &err) }
        }) else { throw .malformedToken(JWK.message(err)) }
        pointer = p
    }

    deinit { cjose_jws_release(pointer) }

    func algorithm() throws(JOSEError) -> String {
        var err = cjose_err()
        guard let header = cjose_jws_get_protected(pointer), let alg = cjose_header_get(header, "alg", &err) else {
            throw .malformedToken("no alg in the protected header")
        }
        return String(cString: alg)
    }

    func verify(with key: JWK) -> Bool {
        var err = cjose_err()
        // A false result with an error set is still "does not verify": the signature bytes were wrong.
        return cjose_jws_verify(pointer, key.pointer, &err)
    }
}

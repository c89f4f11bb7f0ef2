internal import CJose

/// Owns one `cjose_jws_t` imported from compact serialization; released in deinit.
/// Not shareable: `cjose_jws_verify` writes the digest it computes into the object.
final class JWS {
    /// Far larger than any ID token; refused before libcjose decodes it.
    static let maxCompactBytes = 64 * 1024

    private let pointer: OpaquePointer

    init(compact: String) throws(JOSEError) {
        guard !compact.isEmpty, compact.utf8.count <= Self.maxCompactBytes else {
            throw .malformedToken("empty, or longer than \(Self.maxCompactBytes) bytes")
        }
        var err = cjose_err()
        let imported = compact.utf8CString.withUnsafeBufferPointer { text in
            cjose_jws_import(text.baseAddress, text.count - 1, &err)
        }
        guard let imported else { throw .malformedToken(err.reason) }
        pointer = imported
    }

    deinit { cjose_jws_release(pointer) }

    /// The protected header's `alg`, read from the same parsed header libcjose verifies with, so a
    /// duplicated key cannot make this check and the verification see different values.
    func algorithm() throws(JOSEError) -> String {
        guard let header = cjose_jws_get_protected(pointer) else { throw .malformedToken("no protected header") }
        var err = cjose_err()
        // NULL without an error means absent or not a string; the pointer is the header's, so copy it now.
        guard let alg = cjose_header_get(header, "alg", &err) else {
            throw .malformedToken(err.code == CJOSE_ERR_NONE ? "the protected header has no alg string" : err.reason)
        }
        return String(cString: alg)
    }

    /// Whether the protected header has a `crit` member. RFC 7515 section 4.1.11 says a verifier that does not
    /// understand every listed extension must reject the token, and Gatehouse understands none.
    func hasCriticalExtensions() throws(JOSEError) -> Bool {
        guard let header = cjose_jws_get_protected(pointer) else { throw .malformedToken("no protected header") }
        var err = cjose_err()
        // cjose_header_get returns only strings; the raw form finds `crit` whatever its JSON type.
        guard let raw = cjose_header_get_raw(header, "crit", &err) else {
            guard err.code == CJOSE_ERR_NONE else { throw .malformedToken(err.reason) }
            return false
        }
        guard let dealloc = cjose_get_dealloc() else { preconditionFailure("libcjose has no deallocator") }
        dealloc(raw)
        return true
    }

    /// True when `key` made the signature. libcjose reports a signature that does not match as
    /// CJOSE_ERR_CRYPTO (OpenSSL said no): that is `false`. Any other error means it could not check.
    func verify(with key: JWK) throws(JOSEError) -> Bool {
        var err = cjose_err()
        let verified = key.withUnsafePointer { cjose_jws_verify(pointer, $0, &err) }
        switch (verified, err.code) {
        case (true, CJOSE_ERR_NONE): return true
        case (false, CJOSE_ERR_CRYPTO), (false, CJOSE_ERR_NONE): return false
        default: throw .verificationFailed(err.reason)
        }
    }
}

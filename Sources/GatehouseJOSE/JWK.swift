internal import CJose

/// Owns one `cjose_jwk_t` imported from JSON text; released in deinit.
final class JWK {
    /// The key's type, with the curve for EC keys: what decides which algorithms it can verify.
    enum Kind: Equatable {
        case rsa
        case ec(cjose_jwk_ec_curve)
        case oct
    }

    /// Larger than any JWK of a real signing key; refused before libcjose parses it.
    static let maxJSONBytes = 64 * 1024

    private let pointer: OpaquePointer

    init(json: String) throws(JOSEError) {
        guard !json.isEmpty, json.utf8.count <= Self.maxJSONBytes else {
            throw .malformedKey("empty, or longer than \(Self.maxJSONBytes) bytes")
        }
        var err = cjose_err()
        let imported = json.utf8CString.withUnsafeBufferPointer { text in
            cjose_jwk_import(text.baseAddress, text.count - 1, &err)
        }
        guard let imported else { throw .malformedKey(err.reason) }
        pointer = imported
    }

    deinit {
        let stillReferenced = cjose_jwk_release(pointer)
        assert(!stillReferenced, "a JWK is never retained elsewhere")
    }

    /// Lends the key to a libcjose call; the pointer must not escape `body`.
    func withUnsafePointer<R, E: Error>(_ body: (OpaquePointer) throws(E) -> R) throws(E) -> R {
        try body(pointer)
    }

    /// The key's type and curve, as libcjose read them.
    func kind() throws(JOSEError) -> Kind {
        var err = cjose_err()
        let kty = cjose_jwk_get_kty(pointer, &err)
        guard err.code == CJOSE_ERR_NONE else { throw .malformedKey(err.reason) }
        switch kty {
        case CJOSE_JWK_KTY_RSA: return .rsa
        case CJOSE_JWK_KTY_OCT: return .oct
        case CJOSE_JWK_KTY_EC:
            let curve = cjose_jwk_EC_get_curve(pointer, &err)
            guard err.code == CJOSE_ERR_NONE, curve != CJOSE_JWK_EC_INVALID else { throw .malformedKey("EC key without a known curve") }
            return .ec(curve)
        default:
            throw .malformedKey("kty \(kty.rawValue) is not RSA, EC or oct")
        }
    }
}

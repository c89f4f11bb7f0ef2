internal import CJose

/// The JWS algorithms Gatehouse verifies: asymmetric signatures only. `none` and the HMAC algorithms are
/// absent on purpose: with a public key as the HMAC secret, anyone could sign (the algorithm-confusion attack).
enum SignatureAlgorithm: String, CaseIterable, Sendable {
    case rs256 = "RS256", rs384 = "RS384", rs512 = "RS512"
    case ps256 = "PS256", ps384 = "PS384", ps512 = "PS512"
    case es256 = "ES256", es384 = "ES384", es512 = "ES512"

    /// The `alg` header value, or unsupportedAlgorithm for anything not in the list above.
    init(header alg: String) throws(JOSEError) {
        guard let known = SignatureAlgorithm(rawValue: alg) else {
            throw .unsupportedAlgorithm("alg \"\(Self.printable(alg))\" is never verified; only RS*, PS* and ES* are")
        }
        self = known
    }

    /// Whether a key of this kind can have made a signature of this algorithm (RFC 7518 section 3.1):
    /// RS and PS need an RSA key, each ES needs an EC key on its own curve.
    func accepts(_ key: JWK.Kind) -> Bool {
        switch (self, key) {
        case (.rs256, .rsa), (.rs384, .rsa), (.rs512, .rsa), (.ps256, .rsa), (.ps384, .rsa), (.ps512, .rsa): true
        case (.es256, .ec(let curve)): curve == CJOSE_JWK_EC_P_256
        case (.es384, .ec(let curve)): curve == CJOSE_JWK_EC_P_384
        case (.es512, .ec(let curve)): curve == CJOSE_JWK_EC_P_521
        default: false
        }
    }

    /// An attacker-chosen `alg` made safe for an error message: printable ASCII, at most 32 characters.
    private static func printable(_ alg: String) -> String {
        String(alg.unicodeScalars.prefix(32).map { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F ? Character($0) : "?" })
    }
}

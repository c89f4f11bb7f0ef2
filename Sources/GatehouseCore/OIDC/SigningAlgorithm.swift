/// The JWS algorithms the core accepts for ID tokens, and the key each one needs (RFC 7518 section 3.1): the
/// one table for `IDTokenValidator` (which algorithms) and `JWKSet` (which keys). Asymmetric only: `none` is
/// added by configuration alone, HMAC never. (GatehouseJOSE keeps its own list at the C edge on purpose, as
/// an independent second guard; the core cannot import it.)
enum SigningAlgorithm: String, CaseIterable, Sendable {
    case rs256 = "RS256", rs384 = "RS384", rs512 = "RS512"
    case ps256 = "PS256", ps384 = "PS384", ps512 = "PS512"
    case es256 = "ES256", es384 = "ES384", es512 = "ES512"

    static let names: Set<String> = Set(allCases.map(\.rawValue))

    /// The JWK `kty` a key must have.
    var keyType: String {
        switch self {
        case .rs256, .rs384, .rs512, .ps256, .ps384, .ps512: "RSA"
        case .es256, .es384, .es512: "EC"
        }
    }

    /// The JWK `crv` an EC key must have.
    var curve: String? {
        switch self {
        case .es256: "P-256"
        case .es384: "P-384"
        case .es512: "P-521"
        default: nil
        }
    }
}

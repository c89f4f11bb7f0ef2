/// Checks a logout token (OpenID Connect Back-Channel Logout 1.0, section 2.6) the way an ID token is checked
/// (signature with the provider's keys, the same algorithm rules, exact `iss`, `aud`, times), plus its own
/// rules: the back-channel-logout event with an object value, `sid` or `sub`, a `jti`, and never a `nonce`.
/// `alg: none` is refused whatever the config allows for ID tokens: a logout token crosses no confidential channel.
struct LogoutTokenValidator: Sendable {
    static let event = "http://schemas.openid.net/event/backchannel-logout"
    /// A logout token without `exp` is accepted for this long after its `iat`.
    static let maxAgeWithoutExpiry: Int64 = 300

    let idTokens: IDTokenValidator

    struct Verified: Sendable, Equatable {
        let issuer: String
        let subject: String?
        let sid: String?
        let jti: String
        /// Until when its `jti` must be remembered.
        let expiresAt: Int64
    }

    /// The header, when the token is well-formed, typed for logout (or plain JWT) and signed with an allowed
    /// asymmetric algorithm: the caller then finds the keys.
    func header(of token: String) throws(LogoutTokenProblem) -> IDTokenValidator.Header {
        guard let (header, _) = IDTokenValidator.unverifiedParts(token) else { throw .malformed }
        if let typ = header.typ, !["logout+jwt", "application/logout+jwt", "jwt", "application/jwt"].contains(typ.lowercased()) {
            throw .wrongType(typ)
        }
        guard header.alg != "none", idTokens.allowedAlgorithms.contains(header.alg) else { throw .algorithmNotAllowed(header.alg) }
        return header
    }

    func validate(_ token: String, candidates: [JWKSet.Key], now: Int64) throws(LogoutTokenProblem) -> Verified {
        let header = try header(of: token)
        guard let (_, c) = IDTokenValidator.unverifiedParts(token) else { throw .malformed }
        do { try idTokens.verifySignature(token, header: header, candidates: candidates) } catch { throw .signature(error) }
        guard c["iss"]?.stringValue == idTokens.issuer else { throw .wrongIssuer }
        let audiences: [String]
        switch c["aud"] {
        case .string(let s)?: audiences = [s]
        case .array(let a)?: audiences = a.compactMap(\.stringValue)
        default: throw .wrongAudience
        }
        guard audiences.contains(idTokens.clientID) else { throw .wrongAudience }
        let leeway = idTokens.leeway
        guard let iat = c["iat"]?.int64Value, iat <= now + leeway else { throw .badIssuedAt }
        let expiresAt: Int64
        if let expValue = c["exp"] {
            guard let exp = expValue.int64Value, exp + leeway > now else { throw .expired }
            expiresAt = exp + leeway
        } else {
            guard iat + Self.maxAgeWithoutExpiry > now else { throw .expired }
            expiresAt = iat + Self.maxAgeWithoutExpiry
        }
        guard case .object(let events)? = c["events"], case .object? = events[Self.event] else { throw .noLogoutEvent }
        guard c["nonce"] == nil else { throw .hasNonce }
        guard let jti = c["jti"]?.stringValue, !jti.isEmpty else { throw .noTokenID }
        let sub = c["sub"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        let sid = c["sid"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        guard sub != nil || sid != nil else { throw .noSubjectOrSession }
        return Verified(issuer: idTokens.issuer, subject: sub, sid: sid, jti: jti, expiresAt: expiresAt)
    }
}

/// Why a logout token was refused: one case per check; each a 400 for the provider, the description for the log.
enum LogoutTokenProblem: Error, Sendable, Equatable, CustomStringConvertible {
    case missing, malformed, wrongType(String), algorithmNotAllowed(String), signature(IDTokenProblem)
    case unknownIssuer, wrongIssuer, wrongAudience, badIssuedAt, expired
    case noLogoutEvent, hasNonce, noTokenID, noSubjectOrSession, replayed

    var description: String {
        switch self {
        case .missing: "no logout_token in the form body"
        case .malformed: "the logout token is not a well-formed signed JWT"
        case .wrongType(let typ): "the logout token has typ \"\(typ)\""
        case .algorithmNotAllowed(let alg): "the logout token's algorithm \(alg) is not allowed"
        case .signature(let problem): "the logout token's signature: \(problem.description)"
        case .unknownIssuer: "the logout token's iss is no configured provider's issuer"
        case .wrongIssuer: "the logout token's iss is not the provider's issuer"
        case .wrongAudience: "the logout token's aud does not contain our client_id"
        case .badIssuedAt: "the logout token has no numeric iat, or one in the future"
        case .expired: "the logout token has expired"
        case .noLogoutEvent: "the logout token's events do not hold the back-channel-logout event with an object value"
        case .hasNonce: "the logout token holds a nonce (forbidden)"
        case .noTokenID: "the logout token has no jti"
        case .noSubjectOrSession: "the logout token names neither sub nor sid"
        case .replayed: "the logout token's jti was already used"
        }
    }
}

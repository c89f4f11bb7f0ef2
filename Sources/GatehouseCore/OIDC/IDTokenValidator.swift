import GatehouseCrypto

/// Checks an ID token (OpenID Connect Core 3.1.3.7): signature with the provider's keys, then issuer, audience,
/// times, nonce, subject and at_hash. Pure: keys and the signature check come in.
public struct IDTokenValidator: Sendable {
    public let issuer: String
    public let clientID: String
    /// Algorithms accepted: the provider's advertised list, asymmetric ones only, plus what the config adds.
    public let allowedAlgorithms: Set<String>
    /// Clock skew tolerated on exp, iat and nbf.
    public let leeway: Int64
    let verifier: any SignatureVerifying

    static let asymmetric = SigningAlgorithm.names

    public init(issuer: String, clientID: String, advertised: [String], configured: [String], verifier: any SignatureVerifying, leeway: Int64 = 60) {
        self.issuer = issuer
        self.clientID = clientID
        // `none` and HMAC never come from the provider's word alone; only the config can add `none`.
        self.allowedAlgorithms = Set(advertised).intersection(Self.asymmetric).union(configured.filter { $0 == "none" || Self.asymmetric.contains($0) })
        self.leeway = leeway
        self.verifier = verifier
    }

    public struct Header: Sendable { public let alg: String; public let kid: String?; public let typ: String? }

    /// Splits a compact JWS and reads its header and claims, without checking anything.
    public static func unverifiedParts(_ token: String) -> (header: Header, claims: [String: JSONValue])? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, token.utf8.count <= 64 * 1024,
              let h = Base64URL.decode(parts[0]).flatMap(JSONText.parseObject), let alg = h["alg"]?.stringValue,
              let claims = Base64URL.decode(parts[1]).flatMap(JSONText.parseObject) else { return nil }
        return (Header(alg: alg, kid: h["kid"]?.stringValue, typ: h["typ"]?.stringValue), claims)
    }

    /// The header, when the token is well-formed and its algorithm acceptable: the caller then finds keys.
    public func header(of token: String) throws(IDTokenProblem) -> Header {
        guard let (header, _) = Self.unverifiedParts(token) else { throw .malformed }
        if let typ = header.typ, !["jwt", "application/jwt"].contains(typ.lowercased()) {
            throw .wrongType(typ)
        }
        guard allowedAlgorithms.contains(header.alg) else { throw .algorithmNotAllowed(header.alg) }
        return header
    }

    /// Verifies the signature with the candidate keys (any one may verify), then every claim.
    /// `nonce`: the login's; nil for an ID token from a refresh, which has none to compare (OpenID Connect Core 12.2).
    public func validate(_ token: String, candidates: [JWKSet.Key], nonce: String?, accessToken: String?, now: Int64) throws(IDTokenProblem) -> [String: JSONValue] {
        let header = try header(of: token)
        guard let (_, claims) = Self.unverifiedParts(token) else { throw .malformed }
        try verifySignature(token, header: header, candidates: candidates)
        try check(claims, nonce: nonce, accessToken: accessToken, alg: header.alg, now: now)
        return claims
    }

    /// The signature, with any one of the candidate keys (an unsigned token only when `alg: none` was allowed).
    func verifySignature(_ token: String, header: Header, candidates: [JWKSet.Key]) throws(IDTokenProblem) {
        if header.alg == "none" {
            // Only reachable when the config allows `none`; then the token came straight from the token endpoint.
            guard token.hasSuffix(".") else { throw .unsignedWithSignature }
            return
        }
        guard !candidates.isEmpty else { throw .noMatchingKey(kid: header.kid, alg: header.alg) }
        // A key that cannot verify (wrong type, unusable) is not a match; its reason goes to the log, not away.
        var unusable: [String] = []
        let verified = candidates.contains { key in
            do { return try verifier.verify(compactJWS: token, jwkJSON: key.json) } catch {
                unusable.append("key \(key.kid ?? "without kid"): \(error)")
                return false
            }
        }
        guard verified else { throw .badSignature(unusableKeys: unusable) }
    }

    func check(_ c: [String: JSONValue], nonce: String?, accessToken: String?, alg: String, now: Int64) throws(IDTokenProblem) {
        guard c["iss"]?.stringValue == issuer else { throw .wrongIssuer }
        let audiences: [String]
        switch c["aud"] {
        case .string(let s)?: audiences = [s]
        case .array(let a)?: audiences = a.compactMap(\.stringValue)
        default: throw .noAudience
        }
        guard audiences.contains(clientID) else { throw .wrongAudience }
        if let azp = c["azp"] {
            guard azp.stringValue == clientID else { throw .wrongAuthorizedParty }
        } else if audiences.count > 1 {
            throw .missingAuthorizedParty
        }
        guard let exp = c["exp"]?.int64Value else { throw .noExpiry }
        guard exp + leeway > now else { throw .expired }
        guard let iat = c["iat"]?.int64Value else { throw .noIssuedAt }
        guard iat <= now + leeway else { throw .issuedInTheFuture }
        if let nbfValue = c["nbf"] {
            guard let nbf = nbfValue.int64Value, nbf <= now + leeway else { throw .notYetValid }
        }
        if let nonce {
            guard let tokenNonce = c["nonce"]?.stringValue, Digest.constantTimeEqual(Array(tokenNonce.utf8), Array(nonce.utf8)) else {
                throw .wrongNonce
            }
        }
        guard let sub = c["sub"]?.stringValue, !sub.isEmpty else { throw .noSubject }
        // at_hash is defined by the signing algorithm's hash; an unsigned token (`none`, config-allowed) has none.
        if let atHash = c["at_hash"], let accessToken, alg != "none" {
            guard let expected = Self.leftHalfHash(accessToken, alg: alg), atHash.stringValue == expected else {
                throw .wrongAccessTokenHash
            }
        }
    }

    /// base64url of the left half of the hash the algorithm uses (at_hash, c_hash).
    static func leftHalfHash(_ value: String, alg: String) -> String? {
        let bytes = Array(value.utf8)
        let digest: [UInt8]
        switch alg.suffix(3) {
        case "256": digest = Digest.sha256(bytes)
        case "384": digest = Digest.sha384(bytes)
        case "512": digest = Digest.sha512(bytes)
        default: return nil
        }
        return Base64URL.encode(digest.prefix(digest.count / 2))
    }
}

/// Why an ID token was refused (OpenID Connect Core 3.1.3.7), one case per check: tests match the case, the log
/// gets the description. Every one is a 400 for the callback (`Callback.verifiedClaims` maps them).
public enum IDTokenProblem: Error, Sendable, Equatable, CustomStringConvertible {
    case malformed
    case wrongType(String)
    case algorithmNotAllowed(String)
    case unsignedWithSignature
    /// `alg: none` from a token endpoint that is neither https nor on loopback.
    case unsignedOverPlainChannel
    case noMatchingKey(kid: String?, alg: String)
    /// No candidate key verified; the reasons of keys that could not be used at all.
    case badSignature(unusableKeys: [String])
    case wrongIssuer, noAudience, wrongAudience, wrongAuthorizedParty, missingAuthorizedParty
    case noExpiry, expired, noIssuedAt, issuedInTheFuture, notYetValid
    case wrongNonce, noSubject, wrongAccessTokenHash
    /// A refreshed ID token names another `sub` than the session's.
    case subjectChanged

    public var description: String {
        switch self {
        case .malformed: "the ID token is not a well-formed signed JWT"
        case .wrongType(let typ): "the ID token has typ \"\(typ)\", not JWT"
        case .algorithmNotAllowed(let alg): "the ID token's algorithm \(alg) is not allowed"
        case .unsignedWithSignature: "an unsigned ID token carries a signature"
        case .unsignedOverPlainChannel: "an unsigned ID token is accepted only from an https token endpoint (or one on loopback)"
        case .noMatchingKey(let kid, let alg): "no key of the provider matches the ID token (kid \(kid ?? "absent"), alg \(alg))"
        case .badSignature(let unusable):
            "the ID token's signature does not verify" + (unusable.isEmpty ? "" : " (\(unusable.joined(separator: "; ")))")
        case .wrongIssuer: "the ID token's iss is not the provider's issuer"
        case .noAudience: "the ID token has no aud"
        case .wrongAudience: "the ID token's aud does not contain our client_id"
        case .wrongAuthorizedParty: "the ID token's azp is not our client_id"
        case .missingAuthorizedParty: "the ID token has several audiences and no azp"
        case .noExpiry: "the ID token has no numeric exp"
        case .expired: "the ID token has expired"
        case .noIssuedAt: "the ID token has no numeric iat"
        case .issuedInTheFuture: "the ID token was issued in the future"
        case .notYetValid: "the ID token is not valid yet (nbf)"
        case .wrongNonce: "the ID token's nonce does not match the login"
        case .noSubject: "the ID token has no sub"
        case .wrongAccessTokenHash: "the ID token's at_hash does not match the access token"
        case .subjectChanged: "the refreshed ID token names another sub than the session's"
        }
    }
}

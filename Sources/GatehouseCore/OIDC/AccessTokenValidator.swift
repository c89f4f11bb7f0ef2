/// Checks an access token offered as a bearer credential: a JWT (RFC 9068) by its signature with the provider's
/// keys and its claims, an introspection answer (RFC 7662) by its claims. Pure: keys, the signature check and
/// the clock come in. The signature is checked by `IDTokenValidator.verifySignature` (libcjose behind it), so
/// key choice and verification have one home.
struct AccessTokenValidator: Sendable {
    let bearer: BearerConfig
    let verifier: any SignatureVerifying

    /// What a token that passed every check grants.
    struct Grant: Sendable, Equatable {
        let claims: [String: JSONValue]
        let scopes: Set<String>
        let expiresAt: Int64
    }

    /// `typ` values of an access token: RFC 9068's `at+jwt`, and plain JWT (or none) for providers that do not
    /// follow it yet (a plain JWT is then told from an ID token by its claims).
    static let accessTokenTypes: Set<String> = ["at+jwt", "application/at+jwt"]
    static let plainTypes: Set<String> = ["jwt", "application/jwt"]

    /// The algorithms a provider's access tokens may use: its advertised list and the config's, asymmetric only.
    /// Never `none`, never HMAC, whatever either says.
    static func algorithms(provider: ProviderConfig, metadata: ProviderMetadata) -> Set<String> {
        Set(metadata.signingAlgorithms + provider.allowedSigningAlgorithms).intersection(SigningAlgorithm.names)
    }

    /// The header checks that need no key: well-formed, an acceptable `typ` and algorithm.
    func header(of token: String, allowed: Set<String>) throws(AccessTokenProblem) -> IDTokenValidator.Header {
        guard let (header, _) = IDTokenValidator.unverifiedParts(token) else { throw .malformed }
        if let typ = header.typ?.lowercased(), !Self.accessTokenTypes.contains(typ), !Self.plainTypes.contains(typ) {
            throw .wrongType
        }
        guard allowed.contains(header.alg) else { throw .algorithmNotAllowed(header.alg) }
        return header
    }

    /// Verifies a JWT access token with the candidate keys (any one may verify), then its claims.
    func validate(_ token: String, provider: ProviderConfig, metadata: ProviderMetadata, candidates: [JWKSet.Key], now: Int64) throws(AccessTokenProblem) -> Grant {
        let allowed = Self.algorithms(provider: provider, metadata: metadata)
        let header = try header(of: token, allowed: allowed)
        guard let (_, claims) = IDTokenValidator.unverifiedParts(token) else { throw .malformed }
        if !bearer.acceptIDTokens && !Self.accessTokenTypes.contains(header.typ?.lowercased() ?? "") && Self.looksLikeIDToken(claims, clientID: provider.clientID) {
            throw .idToken
        }
        let signatures = IDTokenValidator(issuer: metadata.issuer, clientID: provider.clientID, advertised: Array(allowed), configured: [], verifier: verifier)
        do {
            try signatures.verifySignature(token, header: header, candidates: candidates)
        } catch {
            switch error {
            case .noMatchingKey(let kid, _): throw .noMatchingKey(kid: kid)
            default: throw .badSignature
            }
        }
        return try check(claims, issuer: metadata.issuer, issuerRequired: true, expiryRequired: true, now: now)
    }

    /// An ID token offered as an access token (OpenID Connect Core 2): it names our client as its audience, or
    /// carries what only ID tokens carry.
    static func looksLikeIDToken(_ c: [String: JSONValue], clientID: String) -> Bool {
        c["nonce"] != nil || c["at_hash"] != nil || c["c_hash"] != nil || audiences(c).contains(clientID)
    }

    /// The claims of a JWT or of an active introspection answer: exact `iss` (required of a JWT; an introspection
    /// answer may leave it out), an `aud` among the configured audiences, `exp` (required of a JWT), `nbf` and
    /// `iat` with the leeway, a non-empty `sub`.
    func check(_ c: [String: JSONValue], issuer: String, issuerRequired: Bool, expiryRequired: Bool, now: Int64) throws(AccessTokenProblem) -> Grant {
        let leeway = BearerConfig.leeway
        if let iss = c["iss"] {
            guard iss.stringValue == issuer else { throw .wrongIssuer }
        } else if issuerRequired {
            throw .wrongIssuer
        }
        guard Self.audiences(c).contains(where: bearer.audiences.contains) else { throw .wrongAudience }
        var expiresAt = Int64.max
        if let expValue = c["exp"] {
            guard let exp = expValue.int64Value else { throw .noExpiry }
            guard exp + leeway > now else { throw .expired }
            expiresAt = exp
        } else if expiryRequired {
            throw .noExpiry
        }
        if let nbfValue = c["nbf"] {
            guard let nbf = nbfValue.int64Value, nbf <= now + leeway else { throw .notYetValid }
        }
        if let iatValue = c["iat"] {
            guard let iat = iatValue.int64Value, iat <= now + leeway else { throw .issuedInTheFuture }
        }
        guard let sub = c["sub"]?.stringValue, !sub.isEmpty else { throw .noSubject }
        return Grant(claims: c, scopes: Self.scopes(c), expiresAt: expiresAt)
    }

    static func audiences(_ c: [String: JSONValue]) -> [String] {
        switch c["aud"] {
        case .string(let s)?: [s]
        case .array(let a)?: a.compactMap(\.stringValue)
        default: []
        }
    }

    /// RFC 9068 / RFC 7662 `scope` (space-separated), or `scp` (an array or a string) as some providers send.
    static func scopes(_ c: [String: JSONValue]) -> Set<String> {
        var out = Set<String>()
        for value in [c["scope"], c["scp"]] {
            switch value {
            case .string(let s)?: out.formUnion(s.split(separator: " ").map(String.init))
            case .array(let a)?: out.formUnion(a.compactMap(\.stringValue))
            default: break
            }
        }
        return out
    }
}

/// Why a bearer token was refused, one case per check: tests match the case, the log gets the description
/// (never the token). Every one is a 401 with `error="invalid_token"` (RFC 6750 3.1).
enum AccessTokenProblem: Error, Sendable, Equatable, CustomStringConvertible {
    case malformed, wrongType, idToken, badSignature
    case algorithmNotAllowed(String)
    case noMatchingKey(kid: String?)
    case unknownIssuer, opaqueWithoutIntrospection, inactive
    case wrongIssuer, wrongAudience, noExpiry, expired, notYetValid, issuedInTheFuture, noSubject

    var description: String {
        switch self {
        case .malformed: "the bearer token is not a well-formed token"
        case .wrongType: "the bearer token's typ is neither at+jwt nor JWT"
        case .idToken: "an ID token was offered as an access token (accept_id_tokens is off)"
        case .badSignature: "the bearer token's signature does not verify"
        case .algorithmNotAllowed(let alg): "the bearer token's algorithm \(Self.loggable(alg)) is not allowed"
        case .noMatchingKey(let kid): "no key of the provider matches the bearer token (kid \(kid.map(Self.loggable) ?? "absent"))"
        case .unknownIssuer: "the bearer token's iss is not a provider whose tokens count"
        case .opaqueWithoutIntrospection: "an opaque bearer token, and no provider has introspection on"
        case .inactive: "the provider's introspection says the bearer token is not active"
        case .wrongIssuer: "the bearer token's iss is not the provider's issuer"
        case .wrongAudience: "the bearer token's aud holds none of [gatehouse.bearer] audiences"
        case .noExpiry: "the bearer token has no numeric exp"
        case .expired: "the bearer token has expired"
        case .notYetValid: "the bearer token is not valid yet (nbf)"
        case .issuedInTheFuture: "the bearer token was issued in the future"
        case .noSubject: "the bearer token has no sub"
        }
    }

    /// A header value the token's sender chose, as the log may show it: printable ASCII, at most 64 characters.
    static func loggable(_ text: String) -> String {
        String(text.unicodeScalars.filter { $0.value > 0x20 && $0.value < 0x7F }.prefix(64).map(Character.init))
    }
}

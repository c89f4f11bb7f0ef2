/// Who an `Authorization: Bearer` access token says the caller is (`[gatehouse.bearer]`), for the check and
/// for `<prefix>/userinfo`. A JWT is verified with its provider's keys (RFC 9068); anything else is opaque and
/// goes to the one provider with introspection on (RFC 7662). The result is a `Session` with `tokenScopes` set,
/// so the same rules and identity headers apply as to a cookie.
///
/// I/O: none for a token already in the cache (`BearerTokenCache`, keyed by the token's SHA-256, until its
/// `exp`), nor for a new JWT whose provider's metadata and key are cached. Only an unknown key (one bounded JWKS
/// re-fetch, `ProviderDirectory`), a cold cache or an introspection calls the provider, and then under a provider
/// slot, the same budget as the login routes: checks that need no I/O always find a free worker. A provider
/// that cannot be asked answers 503 (`tokenUnverifiable`, or `busy` with every slot taken), never 200.
final class BearerCheck: Sendable {
    /// Why a token got no grant: refused (401), or the provider could not be asked (503, the error's kind).
    enum Failure: Error {
        case refused(AccessTokenProblem)
        case unavailable(GatehouseError)
    }

    enum Outcome: Sendable, Equatable {
        case granted(Session)
        /// 401 `invalid_token`; the reason is for the log (never the token).
        case refused(String)
    }

    let config: BearerConfig
    /// The providers whose tokens count, by the issuer their discovery URL promises (checked exactly when fetched).
    let byIssuer: [String: ProviderConfig]
    let introspecting: ProviderConfig?
    let directory: ProviderDirectory
    let validator: AccessTokenValidator
    let introspection: TokenIntrospection
    let slots: SlotCounter
    let jwtCache = BearerTokenCache()
    let opaqueCache = BearerTokenCache()

    init(config: GatehouseConfig, directory: ProviderDirectory, tokens: TokenClient, verifier: any SignatureVerifying, slots: SlotCounter) {
        self.config = config.bearer
        let providers = config.auth.providers.values.filter { config.bearer.accepts(provider: $0.name) }
        byIssuer = Dictionary(providers.map { (ProviderMetadata.expectedIssuer(forMetadataURL: $0.serverMetadataURL), $0) }, uniquingKeysWith: { a, _ in a })
        introspecting = providers.filter { $0.introspection != .off }.min { $0.name < $1.name }
        self.directory = directory
        validator = AccessTokenValidator(bearer: config.bearer, verifier: verifier)
        introspection = TokenIntrospection(tokens: tokens)
        self.slots = slots
    }

    /// The longest `Authorization` value read (a JWT with many claims is a few KB).
    static let maxTokenBytes = 16 * 1024

    /// The bearer token of a request: `Authorization: Bearer <token>` (scheme in any case, RFC 6750 2.1). Nil
    /// when the request has none (another scheme, or no header); "" when it is not a well-formed b64token.
    static func token(in request: Request) -> Substring? {
        guard let value = request.header(.authorization) else { return nil }
        let scheme = value.prefix { $0 != " " }
        guard scheme.utf8.count == 6, scheme.lowercased() == "bearer" else { return nil }
        let token = value.dropFirst(scheme.count).drop { $0 == " " }
        guard !token.isEmpty, token.utf8.count <= maxTokenBytes, isB64Token(token.utf8) else { return "" }
        return token
    }

    /// RFC 6750 b64token: `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
    static func isB64Token(_ bytes: Substring.UTF8View) -> Bool {
        var padding = false
        for b in bytes {
            if b == UInt8(ascii: "=") { padding = true; continue }
            if padding { return false }
            let ok = (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x2D || b == 0x2E || b == 0x5F
                || b == 0x7E || b == 0x2B || b == 0x2F
            if !ok { return false }
        }
        return bytes.first != UInt8(ascii: "=")
    }

    /// The token's verdict. Throws only when the provider cannot be asked (503).
    func authenticate(_ rawToken: Substring, now: Int64) throws(GatehouseError) -> Outcome {
        guard !rawToken.isEmpty else { return .refused(AccessTokenProblem.malformed.description) }
        let token = String(rawToken)
        let isJWT = token.utf8.count(where: { $0 == UInt8(ascii: ".") }) == 2
        let cache = isJWT ? jwtCache : opaqueCache
        let key = BearerTokenCache.key(token)
        switch cache.lookup(key, now: now) {
        case .granted(let session)?: return .granted(session)
        case .inactive?: return .refused(AccessTokenProblem.inactive.description)
        case nil: break
        }
        do throws(Failure) {
            var (session, until) = isJWT ? try checkJWT(token, now: now) : try introspect(token, key: key, now: now)
            // Cached with the token, so its identity headers and the global rules' decision are derived once
            // per token (`SessionMemo`), as for a cookie.
            session.memo = MemoHandle(SessionMemo())
            cache.store(key, .granted(session), until: until, now: now)
            return .granted(session)
        } catch {
            switch error {
            case .refused(let problem): return .refused(problem.description)
            case .unavailable(let failure): throw failure
            }
        }
    }

    /// A JWT access token: the provider by its `iss`, then header, keys (cached, or fetched under a slot), signature, claims.
    func checkJWT(_ token: String, now: Int64) throws(Failure) -> (Session, until: Int64) {
        guard let (header, claims) = IDTokenValidator.unverifiedParts(token) else { throw .refused(.malformed) }
        // Refused before any I/O: an algorithm Gatehouse never accepts, an issuer it does not know.
        guard SigningAlgorithm.names.contains(header.alg) else { throw .refused(.algorithmNotAllowed(header.alg)) }
        guard let iss = claims["iss"]?.stringValue, let provider = byIssuer[iss] else { throw .refused(.unknownIssuer) }
        let metadata: ProviderMetadata
        let keys: [JWKSet.Key]
        if let m = directory.cachedMetadata(for: provider), let k = directory.cachedKeys(for: provider, metadata: m, alg: header.alg, kid: header.kid) {
            (metadata, keys) = (m, k)
        } else {
            do { _ = try validator.header(of: token, allowed: SigningAlgorithm.names) } catch { throw .refused(error) }
            (metadata, keys) = try fetching(provider) { () throws(GatehouseError) in
                let m = try directory.metadata(for: provider)
                return (m, try directory.keys(for: provider, metadata: m, alg: header.alg, kid: header.kid))
            }
        }
        do {
            let grant = try validator.validate(token, provider: provider, metadata: metadata, candidates: keys, now: now)
            return (session(grant, provider: provider.name, now: now), grant.expiresAt)
        } catch {
            throw .refused(error)
        }
    }

    /// An opaque token: introspection at the one provider that has it on; active answers cached up to
    /// `introspection_cache_ttl` (never past `exp`), inactive ones `introspection_negative_ttl`.
    func introspect(_ token: String, key: [UInt8], now: Int64) throws(Failure) -> (Session, until: Int64) {
        guard let provider = introspecting else { throw .refused(.opaqueWithoutIntrospection) }
        let (metadata, answer) = try fetching(provider) { () throws(GatehouseError) in
            let m = try directory.metadata(for: provider)
            let endpoint: String
            switch provider.introspection {
            case .endpoint(let url): endpoint = url
            case .discovered, .off:
                guard let url = m.introspectionEndpoint else {
                    throw GatehouseError(.tokenUnverifiable, "The access token cannot be checked.",
                                         detail: "provider \(provider.name): introspection = true, but discovery names no introspection_endpoint")
                }
                endpoint = url
            }
            return (m, try introspection.introspect(token, endpoint: endpoint, provider: provider, metadata: m))
        }
        guard case .active(let claims) = answer else {
            opaqueCache.store(key, .inactive, until: now + config.introspectionNegativeTTL.wholeSeconds, now: now)
            throw .refused(.inactive)
        }
        do {
            let grant = try validator.check(claims, issuer: metadata.issuer, issuerRequired: false, expiryRequired: false, now: now)
            return (session(grant, provider: provider.name, now: now), min(grant.expiresAt, now + config.introspectionCacheTTL.wholeSeconds))
        } catch {
            throw .refused(error)
        }
    }

    func session(_ grant: AccessTokenValidator.Grant, provider: String, now: Int64) -> Session {
        var s = Session(provider: provider, claims: grant.claims, issuedAt: grant.claims["iat"]?.int64Value ?? now, expiresAt: grant.expiresAt)
        s.tokenScopes = grant.scopes
        return s
    }

    /// Calls the provider under a slot of the shared budget. Its failures are not a verdict on the token: 503.
    func fetching<T>(_ provider: ProviderConfig, _ body: () throws(GatehouseError) -> T) throws(Failure) -> T {
        do throws(GatehouseError) {
            guard slots.acquire() else {
                throw GatehouseError(.busy, "Too many requests are waiting on the sign-in service. Please try again in a moment.",
                                     detail: "all \(slots.limit) provider slots busy (bearer token check)")
            }
            defer { slots.release() }
            return try body()
        } catch {
            let unavailable = error.kind == .busy || error.kind == .tokenUnverifiable ? error
                : GatehouseError(.tokenUnverifiable, "The access token cannot be checked right now. Please try again in a moment.", detail: error.detail)
            throw .unavailable(unavailable)
        }
    }
}

import Logging

/// Refreshes one session with the provider (RFC 6749 section 6), on a background thread, so that claims,
/// groups and the access token follow the provider and a user it disabled loses access:
/// 1. take the session's lock in the store (one refresh per session across all instances; none if taken);
/// 2. read the store's record: a revoked session stays revoked; a record refreshed meanwhile is used as is;
/// 3. send the newest refresh token (the store's, else the cookie's: a rotating provider accepts each once);
/// 4. check a new ID token exactly as at login (signature, issuer, audience, times; and the same `sub`), merge
///    userinfo, keep `session_groups`, seal the record into the store (kept and retried if the store is down);
/// 5. a refusal (`invalid_grant`) ends the session everywhere; no answer leaves it to `refresh_grace`.
/// A result the store cannot take now (new tokens, a refusal) is kept and retried with the lock held
/// (`SessionLifecycle.writeOrKeep`): `SessionProtocol.pml` shows that dropping either loses or resurrects a
/// session. No token is ever logged.
struct Refresher: Sendable {
    let lifecycle: SessionLifecycle
    let config: GatehouseConfig
    let directory: ProviderDirectory
    let tokens: TokenClient
    let verifier: any SignatureVerifying
    let fitting: SessionFitting
    let logger: Logger
    /// Longer than the provider's timeout plus a store hiccup: a lock never expires under a live refresh.
    var lockSeconds: Int64 { max(60, 3 * config.provider.totalTimeout.wholeSeconds) }

    enum Outcome: Equatable {
        case refreshed, alreadyFresh, lockedElsewhere, ended(String), failed(String)
    }

    func refresh(_ session: Session, now: Int64) -> Outcome {
        guard let id = session.id else { return .failed("session without id") }
        let store = lifecycle.store
        let owner = Array(lifecycle.instanceID.utf8)
        let lock = StateEntry(kind: .refreshLock, key: id.text, value: owner, expiresAt: now + lockSeconds)
        do {
            guard try store.putIfAbsent(lock, now: now) else { return .lockedElsewhere }
        } catch {
            return .failed("state store: \(error.description)")
        }
        var keepLock = false
        defer { if !keepLock { try? store.remove(.refreshLock, id.text, ifValue: owner) } }

        let record: RefreshedSession?
        do {
            if try store.get(.revokedSession, id.text, now: now) != nil { return .ended("revoked") }
            record = try store.get(.refreshed, id.text, now: now).flatMap { lifecycle.state.sealer.open($0.value, for: id) }
        } catch {
            return .failed("state store: \(error.description)")
        }
        if case .revoked = lifecycle.state.lookup(session) { return .ended("revoked") }
        if let record, record.refreshedAt + lifecycle.config.refreshInterval.wholeSeconds > now {
            lifecycle.state.apply(entry(record, id: id, session: session), now: now)
            return .alreadyFresh
        }
        guard let refreshToken = record?.refreshToken ?? session.refreshToken else { return .failed("no refresh token") }
        guard let provider = config.auth.providers[session.provider] else { return .ended("provider no longer configured") }
        let metadata: ProviderMetadata
        do { metadata = try directory.metadata(for: provider) } catch { return .failed("discovery: \(error.detail)") }

        switch tokens.refresh(refreshToken, provider: provider, metadata: metadata) {
        case .unavailable(let why):
            return .failed("token endpoint: \(why)")
        case .refused(let code):
            // The session is dead from now on here, and the revocation is never dropped: written, or kept and
            // retried with the lock held, like a new token (rule R1 of SessionProtocol.pml).
            lifecycle.writeOrKeep(StateEntry(kind: .revokedSession, key: id.text, expiresAt: session.expiresAt), now: now)
            keepLock = lifecycle.hasUnsaved
            return .ended("the provider refused the refresh token (\(code))")
        case .tokens(let idToken, let accessToken, let newRefreshToken):
            let current = record.map { $0.applied(to: session) } ?? session
            var claims = current.claims
            if let idToken {
                do { claims = try verified(idToken, session: session, provider: provider, metadata: metadata, accessToken: accessToken, now: now) } catch {
                    return .failed(error.description)
                }
            }
            if let accessToken { claims = merged(userinfo: accessToken, into: claims, metadata: metadata, provider: provider) }
            let fresh = RefreshedSession(
                claims: fitting.keepingGroups(claims),
                accessToken: config.auth.exposeTokens.contains(.access) ? (accessToken ?? current.accessToken) : nil,
                idToken: config.auth.exposeTokens.contains(.id) ? (idToken ?? current.idToken) : nil,
                refreshToken: newRefreshToken ?? refreshToken, refreshedAt: now, groupsDropped: false)
            let e = entry(fresh, id: id, session: session)
            lifecycle.writeOrKeep(e, now: now)
            // Kept until the record is written (`SessionLifecycle.sync` retries it): nobody else may use the
            // refresh token this refresh just spent.
            keepLock = lifecycle.hasUnsaved
            return .refreshed
        }
    }

    func entry(_ record: RefreshedSession, id: SessionID, session: Session) -> StateEntry {
        StateEntry(kind: .refreshed, key: id.text, value: lifecycle.state.sealer.seal(record, for: id), expiresAt: session.expiresAt)
    }

    /// A refreshed ID token passes every login check but the nonce, and names the same user (Core 12.2).
    func verified(_ idToken: String, session: Session, provider: ProviderConfig, metadata: ProviderMetadata, accessToken: String?, now: Int64) throws(IDTokenProblem) -> [String: JSONValue] {
        let validator = IDTokenValidator(issuer: metadata.issuer, clientID: provider.clientID, advertised: metadata.signingAlgorithms,
                                         configured: provider.allowedSigningAlgorithms, verifier: verifier)
        let header = try validator.header(of: idToken)
        let keys: [JWKSet.Key]
        if header.alg == "none" {
            guard Callback.isConfidential(tokenEndpoint: metadata.tokenEndpoint) else { throw .unsignedOverPlainChannel }
            keys = []
        } else {
            do { keys = try directory.keys(for: provider, metadata: metadata, alg: header.alg, kid: header.kid) } catch {
                throw .noMatchingKey(kid: header.kid, alg: header.alg)
            }
        }
        let claims = try validator.validate(idToken, candidates: keys, nonce: nil, accessToken: accessToken, now: now)
        guard claims["sub"] == session.claims["sub"] else { throw .subjectChanged }
        return claims.filter { !Callback.protocolClaims.contains($0.key) }
    }

    func merged(userinfo accessToken: String, into claims: [String: JSONValue], metadata: ProviderMetadata, provider: ProviderConfig) -> [String: JSONValue] {
        guard provider.fetchUserinfo, let endpoint = metadata.userinfoEndpoint else { return claims }
        guard case .success(let info) = tokens.userinfo(accessToken: accessToken, endpoint: endpoint), info["sub"] == claims["sub"] else { return claims }
        var out = claims
        for (key, value) in info where !["iss", "sub", "aud"].contains(key) { out[key] = value }
        return out
    }
}

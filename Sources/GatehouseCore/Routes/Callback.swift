import GatehouseCrypto
import Logging

/// The callback (path of `redirect_uri`): matches the pending login, exchanges the code, verifies the ID token,
/// merges userinfo, seals the session and sends the browser back to the page it first asked for.
struct Callback: Sendable {
    let config: GatehouseConfig
    let directory: ProviderDirectory
    let pending: PendingLoginCookies
    let consumed: ConsumedStates
    let sessions: SessionCookie
    let tokens: TokenClient
    let verifier: any SignatureVerifying
    let returnURL: ReturnURL
    let fitting: SessionFitting
    let logger: Logger
    /// With a state store the refresh token is sealed into the cookie (the refresher needs it); without, never.
    let keepsRefreshToken: Bool
    let random: any RandomBytesSource
    let metrics: GatehouseMetrics

    /// Protocol claims that say nothing about the user: not kept in the session.
    static let protocolClaims: Set<String> = ["aud", "exp", "iat", "nbf", "nonce", "at_hash", "c_hash", "s_hash", "azp", "jti",
                                              "auth_time", "sid", "session_state", "acr", "amr", "typ", "uti", "rh", "xms_tcdt"]

    /// Counted in `gatehouse_logins_total` by provider (`unknown` before the pending login is found) and outcome.
    func handle(_ ctx: RequestContext, now: Int64) throws(GatehouseError) -> Response {
        var provider = "unknown"
        do throws(GatehouseError) {
            let response = try attempt(ctx, now: now, provider: &provider)
            metrics.login(provider: provider, outcome: "success")
            return response
        } catch {
            metrics.login(provider: provider, outcome: error.kind.metricLabel)
            throw error
        }
    }

    func attempt(_ ctx: RequestContext, now: Int64, provider: inout String) throws(GatehouseError) -> Response {
        let query = ctx.request.query
        if let error = query["error"] {
            let code = TokenClient.safeErrorCode(error)
            let refusal = GatehouseError(.badRequest, "The sign-in service did not sign you in (\(code.isEmpty ? "error" : code)). Please try again.",
                                         detail: "provider returned error \(code)")
            // The provider ended this login: its pending login is used up, and "Sign in again" returns where it was going.
            if let state = query["state"], !state.isEmpty, let login = pending.find(state: state, in: ctx.cookies, now: now) {
                throw refusal.setting([pending.finish(state: state)]).returning(to: returnURL.validate(login.returnTo))
            }
            throw refusal
        }
        guard let state = query["state"], !state.isEmpty else {
            throw GatehouseError(.badRequest, "This sign-in link is incomplete. Please start again.", detail: "callback without state")
        }
        guard let login = pending.find(state: state, in: ctx.cookies, now: now) else {
            throw GatehouseError(.badRequest, "This sign-in attempt has expired or was already completed. Please start again.",
                                 detail: "no pending login matches the state (expired, replayed or forged)")
        }
        provider = login.provider
        // One callback per pending login: the first, failed or not, uses it up (cookie deleted, state recorded),
        // so a replayed cookie never reaches the token endpoint twice on this instance.
        let usedUp = pending.finish(state: state)
        switch consumed.consume(state, expiresAt: login.created + pending.lifetime, now: now) {
        case .first: break
        case .replayed:
            throw GatehouseError(.badRequest, "This sign-in attempt has expired or was already completed. Please start again.",
                                 detail: "state already used on this instance (replayed pending login)").setting([usedUp])
                .returning(to: returnURL.validate(login.returnTo))
        }
        do throws(GatehouseError) {
            return try complete(login, ctx: ctx, now: now, usedUp: usedUp)
        } catch {
            throw error.setting([usedUp]).returning(to: returnURL.validate(login.returnTo))
        }
    }

    /// The rest of a callback whose pending login was found and used up; `usedUp` deletes its cookie.
    func complete(_ login: PendingLogin, ctx: RequestContext, now: Int64, usedUp: SetCookie) throws(GatehouseError) -> Response {
        let query = ctx.request.query
        guard let provider = config.auth.providers[login.provider], let redirectURI = config.auth.redirectURI else {
            throw GatehouseError(.badRequest, "This sign-in attempt is no longer valid. Please start again.", detail: "provider \(login.provider) no longer configured")
        }
        let metadata = try directory.metadata(for: provider)
        // RFC 9207: when the provider names itself in the callback, it must be the one this login went to; when it
        // advertises that it always does, a callback without `iss` is refused too.
        if let iss = query["iss"], iss != metadata.issuer {
            throw GatehouseError(.badRequest, "The sign-in answer came from an unexpected service.", detail: "callback iss does not match the issuer")
        }
        if metadata.sendsIssInAuthorizationResponse && query["iss"] == nil {
            throw GatehouseError(.badRequest, "The sign-in answer did not say which service sent it. Please start again.",
                                 detail: "callback without iss, which the provider advertises (RFC 9207)")
        }
        guard let code = query["code"], !code.isEmpty else {
            throw GatehouseError(.badRequest, "The sign-in service sent no authorization code. Please start again.", detail: "callback without code")
        }
        let tokens = try tokens.exchange(code: code, login: login, provider: provider, metadata: metadata, redirectURI: redirectURI)
        var claims = try verifiedClaims(tokens, login: login, provider: provider, metadata: metadata, now: now)
        mergeUserinfo(into: &claims, tokens: tokens, metadata: metadata, provider: provider)

        // The ID token is kept only to expose it: it roughly doubles the cookie, and sign-out at the provider
        // works without it (client_id + post_logout_redirect_uri, RP-Initiated Logout 1.0).
        let session = Session(provider: provider.name, claims: claims.filter { !Self.protocolClaims.contains($0.key) },
                              issuedAt: now, expiresAt: now + config.cookie.lifetime.wholeSeconds,
                              idToken: config.auth.exposeTokens.contains(.id) ? tokens.idToken : nil,
                              accessToken: config.auth.exposeTokens.contains(.access) ? tokens.accessToken : nil,
                              id: SessionID.random(random), providerSID: claims["sid"]?.stringValue,
                              refreshToken: keepsRefreshToken ? tokens.refreshToken : nil)
        guard let (sessionCookies, kept) = fitting.cookies(for: session, sessions: sessions, existing: ctx.cookies) else {
            throw GatehouseError(.internal, "Your account has too much information to fit a session.", detail: "session for provider \(provider.name) exceeds the cookie cap even without groups")
        }
        if kept.groupsDropped {
            let count = fitting.groupClaims.compactMap { session.claim($0)?.arrayValue?.count }.max() ?? 0
            logger.warning("groups not kept: too many for a session cookie; group rules will refuse this user", metadata: [
                "provider": .string(provider.name), "groups": .stringConvertible(count),
                "fix": "list the groups that rules and apps use in [gatehouse] session_groups",
            ])
        }
        let headers = (sessionCookies + [usedUp]).map { Response.Header("Set-Cookie", $0.headerValue) }
        return .redirect(to: returnURL.validate(login.returnTo), headers: headers)
    }

    func verifiedClaims(_ tokens: TokenClient.Tokens, login: PendingLogin, provider: ProviderConfig, metadata: ProviderMetadata, now: Int64) throws(GatehouseError) -> [String: JSONValue] {
        let validator = IDTokenValidator(issuer: metadata.issuer, clientID: provider.clientID, advertised: metadata.signingAlgorithms,
                                         configured: provider.allowedSigningAlgorithms, verifier: verifier)
        do {
            let header = try validator.header(of: tokens.idToken)
            // OpenID Connect Core 3.1.3.7: an unsigned ID token is only as good as the channel it came over.
            if header.alg == "none", !Self.isConfidential(tokenEndpoint: metadata.tokenEndpoint) {
                throw IDTokenProblem.unsignedOverPlainChannel
            }
            let keys = header.alg == "none" ? [] : try directory.keys(for: provider, metadata: metadata, alg: header.alg, kid: header.kid)
            return try validator.validate(tokens.idToken, candidates: keys, nonce: login.nonce, accessToken: tokens.accessToken, now: now)
        } catch let problem as IDTokenProblem {
            throw GatehouseError(.badRequest, "The sign-in could not be verified. Please start again.", detail: "ID token refused: \(problem.description)")
        } catch let error as GatehouseError {
            throw error
        } catch {
            throw GatehouseError(.internal, "The sign-in could not be verified.", detail: "unexpected error while verifying the ID token")
        }
    }

    /// TLS, or this machine's loopback (a provider for development and tests; nothing crosses a network).
    static func isConfidential(tokenEndpoint: String) -> Bool {
        guard let url = URLParts(tokenEndpoint) else { return false }
        return url.scheme == "https" || ["127.0.0.1", "::1", "localhost"].contains(url.host)
    }

    /// Userinfo claims join the ID token's when the response's `sub` is the ID token's; otherwise they are
    /// discarded (the login stands on the ID token), as mod_auth_openidc does.
    func mergeUserinfo(into claims: inout [String: JSONValue], tokens: TokenClient.Tokens, metadata: ProviderMetadata, provider: ProviderConfig) {
        guard provider.fetchUserinfo, let endpoint = metadata.userinfoEndpoint, let accessToken = tokens.accessToken else { return }
        switch self.tokens.userinfo(accessToken: accessToken, endpoint: endpoint) {
        case .failure(let error):
            logger.warning("userinfo not used", metadata: ["provider": .string(provider.name), "detail": .string(error.detail)])
        case .success(let info):
            guard info["sub"] == claims["sub"] else {
                logger.warning("userinfo refused: its sub differs from the ID token's", metadata: ["provider": .string(provider.name)])
                return
            }
            merge(info, into: &claims)
        }
    }

    func merge(_ info: [String: JSONValue], into claims: inout [String: JSONValue]) {
        for (key, value) in info where claims[key] == nil || !["iss", "sub", "aud"].contains(key) {
            claims[key] = value
        }
    }
}

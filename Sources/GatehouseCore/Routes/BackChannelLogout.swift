import Logging

/// `<prefix>/backchannel_logout` (OpenID Connect Back-Channel Logout 1.0): the provider POSTs a `logout_token`.
/// A valid one revokes, on every instance sharing the state store, the sessions of its `sid` (the provider
/// session), or, when it names only `sub`, every session of that user; 200 with `Cache-Control: no-store`.
/// Anything wrong is 400 with an OAuth-style JSON error (`ErrorResponse.json`), and nothing is revoked.
/// With `state = "none"` there is nothing to revoke: 501.
struct BackChannelLogout: Sendable {
    let config: GatehouseConfig
    let directory: ProviderDirectory
    let lifecycle: SessionLifecycle?
    let verifier: any SignatureVerifying
    let logger: Logger

    func handle(_ ctx: RequestContext, now: Int64) throws(GatehouseError) -> Response {
        let request = ctx.request
        guard request.method == "POST" else { throw GatehouseError(.methodNotAllowed, "Back-channel logout takes a POST.") }
        guard !request.bodyTooLarge else { throw GatehouseError(.payloadTooLarge, "The logout request is too large.", detail: "back-channel logout body over the limit") }
        guard let lifecycle else {
            throw GatehouseError(.notImplemented, "Back-channel logout needs a state store.", detail: "state = \"none\": sessions cannot be revoked")
        }
        let verified: LogoutTokenValidator.Verified
        do throws(LogoutTokenProblem) {
            verified = try validate(QueryParameters(parsing: String(decoding: request.body, as: UTF8.self))["logout_token"], now: now)
        } catch {
            throw refused(error)
        }
        let jti = StateKeys.tokenID(issuer: verified.issuer, jti: verified.jti)
        let firstUse: Bool
        do throws(StateStoreError) {
            firstUse = try lifecycle.useOnce(jti, expiresAt: verified.expiresAt, now: now)
            if firstUse, let sid = verified.sid {
                try lifecycle.revoke(.providerSession(issuer: verified.issuer, sid: sid), before: now, now: now)
            } else if firstUse, let sub = verified.subject {
                try lifecycle.revoke(.subject(issuer: verified.issuer, subject: sub), before: now, now: now)
            }
        } catch {
            // The provider may send it again: the jti is released (when the store lets us) so a retry is not a replay.
            try? lifecycle.store.remove(.usedTokenID, jti, ifValue: [])
            throw GatehouseError(.busy, "The logout could not be recorded now; try again.", detail: "state store: \(error.description)")
        }
        guard firstUse else { throw refused(.replayed) }
        logger.info("back-channel logout", metadata: ["scope": .string(verified.sid != nil ? "provider session" : "user")])
        return Response(status: 200, headers: [.noStore])
    }

    /// The token's provider is the one whose issuer it names (unverified until its keys verify it).
    func validate(_ token: String?, now: Int64) throws(LogoutTokenProblem) -> LogoutTokenValidator.Verified {
        guard let token, !token.isEmpty else { throw .missing }
        guard let (_, claims) = IDTokenValidator.unverifiedParts(token) else { throw .malformed }
        let iss = claims["iss"]?.stringValue
        var match: (ProviderConfig, ProviderMetadata)?
        for provider in config.auth.providers.values.sorted(by: { $0.name < $1.name }) {
            if let metadata = try? directory.metadata(for: provider), metadata.issuer == iss { match = (provider, metadata); break }
        }
        guard let (provider, metadata) = match else { throw .unknownIssuer }
        let validator = LogoutTokenValidator(idTokens: IDTokenValidator(issuer: metadata.issuer, clientID: provider.clientID,
                                                                          advertised: metadata.signingAlgorithms,
                                                                          configured: provider.allowedSigningAlgorithms, verifier: verifier))
        let header = try validator.header(of: token)
        let keys: [JWKSet.Key]
        do { keys = try directory.keys(for: provider, metadata: metadata, alg: header.alg, kid: header.kid) } catch {
            throw .signature(.noMatchingKey(kid: header.kid, alg: header.alg))
        }
        return try validator.validate(token, candidates: keys, now: now)
    }

    func refused(_ problem: LogoutTokenProblem) -> GatehouseError {
        GatehouseError(.badRequest, "The logout token was refused.", detail: "back-channel logout refused: \(problem.description)")
    }
}

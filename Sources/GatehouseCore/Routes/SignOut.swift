import GatehouseCrypto

/// `<prefix>/sign_out` (GET or POST): forgets the session (every chunk of it). When the session's provider has
/// an `end_session_endpoint`, the browser goes there (RP-initiated logout) and comes back to the return URL;
/// otherwise straight to the validated `rd` or `/`.
struct SignOut: Sendable {
    let config: GatehouseConfig
    let sessions: SessionCookie
    let returnURL: ReturnURL
    let directory: ProviderDirectory
    let random: any RandomBytesSource

    func handle(_ ctx: RequestContext, now: Int64) -> Response {
        let target = returnURL.validate(ctx.request.query["rd"])
        let clearing = sessions.clear(existing: ctx.cookies).map { Response.Header("Set-Cookie", $0.headerValue) }
        guard let session = sessions.read(ctx.cookies, now: now),
              let provider = config.auth.providers[session.provider],
              let metadata = try? directory.metadata(for: provider),
              let endSession = metadata.endSessionEndpoint else {
            return .redirect(to: target, headers: clearing)
        }
        var params = QueryParameters([("client_id", provider.clientID)])
        if let hint = session.idToken { params.append("id_token_hint", hint) }
        if let back = absolute(target) { params.append("post_logout_redirect_uri", back) }
        params.append("state", Base64URL.encode(random.bytes(16)))
        return .redirect(to: endSession + (endSession.contains("?") ? "&" : "?") + params.encoded, headers: clearing)
    }

    /// The provider needs an absolute URL: relative targets are made absolute on the redirect_uri's origin.
    func absolute(_ target: String) -> String? {
        if !target.hasPrefix("/") { return target }
        guard let uri = config.auth.redirectURI, let origin = URLParts(uri)?.origin else { return nil }
        return origin + target
    }
}

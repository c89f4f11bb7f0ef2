import GatehouseCrypto
import Logging

/// `<prefix>/sign_out` (GET or POST): forgets the session (every chunk of it) and, with a state store, revokes
/// it everywhere. When the session's provider has
/// an `end_session_endpoint`, the browser goes there (RP-initiated logout) and comes back to the return URL;
/// otherwise straight to it. The return URL is the validated `rd`, or without one Gatehouse's "You are signed
/// out" page (`SignedOut`): never a protected page that would show the chooser or, with a provider that keeps
/// its own session, sign the person straight back in.
///
/// Only for a request from this origin or with no browser context (`RequestContext.isSameOriginOrDirect`): another
/// site's link, image or form gets a page asking to confirm with a POST from here, and nothing is cleared.
struct SignOut: Sendable {
    let config: GatehouseConfig
    let routes: Routes
    let sessions: SessionCookie
    let lifecycle: SessionLifecycle?
    let logger: Logger
    let returnURL: ReturnURL
    let directory: ProviderDirectory
    let random: any RandomBytesSource
    let pages: HTMLPage

    func handle(_ ctx: RequestContext, now: Int64) -> Response {
        let asked = ctx.request.query["rd"]
        let target = asked.map { returnURL.validate($0) } ?? routes.signedOut
        guard ctx.isSameOriginOrDirect else { return confirmation(returnTo: asked == nil ? nil : target) }
        let clearing = sessions.clear(existing: ctx.cookies).map { Response.Header("Set-Cookie", $0.headerValue) }
        let session = sessions.read(ctx.cookies, now: now)
        if let session, let id = session.id, let lifecycle {
            // A copy of this cookie opens nothing any more, on any instance sharing the store.
            do { try lifecycle.revoke(session: id, expiresAt: session.expiresAt, now: now) } catch {
                logger.error("sign-out not recorded: the state store is unreachable, so a copy of this session's cookie still works elsewhere until it expires",
                             metadata: ["store": .string(lifecycle.store.description), "detail": .string(error.description)])
            }
        }
        guard let session,
              let provider = config.auth.providers[session.provider],
              let metadata = try? directory.metadata(for: provider),
              let endSession = metadata.endSessionEndpoint else {
            // The provider's own session lives on: the signed-out page says so.
            return .redirect(to: asked == nil ? routes.signedOut + "?" + SignedOut.providerSessionKept : target, headers: clearing)
        }
        var params = QueryParameters([("client_id", provider.clientID)])
        if let hint = session.idToken { params.append("id_token_hint", hint) }
        if let back = absolute(target) { params.append("post_logout_redirect_uri", back) }
        params.append("state", Base64URL.encode(random.bytes(16)))
        return .redirect(to: endSession + (endSession.contains("?") ? "&" : "?") + params.encoded, headers: clearing)
    }

    /// "Sign out?" with a POST button back to this route (same-origin, so it proceeds). Never framed, so another
    /// site cannot overlay it to steal the click.
    func confirmation(returnTo target: String?) -> Response {
        let action = target.map { routes.signOutURL(returnTo: $0) } ?? routes.signOut
        return pages.response(PageContent(title: "Sign out?",
                                          paragraphs: ["Another site sent you here to sign you out. Nothing has changed yet: sign out only if you meant to."],
                                          postButtons: [.init(label: "Sign out", href: action)], links: [.init(label: "Stay signed in", href: "/")]))
    }

    /// The provider needs an absolute URL: relative targets are made absolute on the redirect_uri's origin.
    func absolute(_ target: String) -> String? {
        if !target.hasPrefix("/") { return target }
        guard let uri = config.auth.redirectURI, let origin = URLParts(uri)?.origin else { return nil }
        return origin + target
    }
}

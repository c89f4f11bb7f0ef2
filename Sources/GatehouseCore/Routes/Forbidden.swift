/// The 403 page: who you are signed in as, that this account may not see the page, and how on: sign in with
/// another account (back to this page), sign out, or the home page when that is another page (on a fully
/// protected site "/" may be refused too, so the page never offers only a way back to itself). Served at
/// `<prefix>/forbidden` (nginx's `error_page 403`) and as the Authorizer role's 403 body; an API call gets JSON.
/// A request with a bearer token (nginx's `error_page 403` keeps the request's headers) gets RFC 6750's plain
/// 403 `insufficient_scope` instead: an API client has no use for a page.
struct Forbidden: Sendable {
    let sessions: LiveSessions
    let routes: Routes
    let providers: [String: ProviderConfig]
    let pages: HTMLPage
    let bearerEnabled: Bool

    func handle(_ ctx: RequestContext, now: Int64) -> Response {
        if bearerEnabled, BearerCheck.token(in: ctx.request) != nil {
            return CheckAnswer.bearerRefusal(status: GatehouseError.Kind.forbidden.status, CheckAnswer.insufficientScope([]), ctx)
        }
        return page(session: sessions.read(ctx.cookies, now: now), ctx: ctx)
    }

    func page(session: Session?, ctx: RequestContext) -> Response {
        let refusal = GatehouseError(.forbidden, "This account is not allowed to see this page.")
        guard ctx.isNavigation else { return ErrorResponse.json(for: refusal) }
        let here = ctx.originalURI ?? "/"
        let switchAccount = routes.signOutURL(returnTo: routes.loginURL(returnTo: here))
        var paragraphs = [refusal.publicMessage]
        if let session {
            let who = [session.claim("email"), session.claim("preferred_username"), session.claim("name"), session.claim("sub")]
                .lazy.compactMap { $0?.stringValue }.first { !$0.isEmpty } ?? "an unnamed account"
            let via = session.provider == AuthConfig.defaultProviderName ? "" : " (\(providers[session.provider]?.shownName ?? session.provider))"
            paragraphs.insert("You are signed in as \(who)\(via).", at: 0)
        }
        paragraphs.append("If you have another account that is allowed, sign in with it.")
        var links = [PageContent.Action(label: "Sign out", href: routes.signOut)]
        if Request.path(of: here) != "/" { links.insert(.init(label: "Home page", href: "/"), at: 0) }
        return pages.response(PageContent(title: ErrorResponse.title(of: .forbidden), status: refusal.status, paragraphs: paragraphs,
                                          buttons: [.init(label: "Sign out and use another account", href: switchAccount)], links: links))
    }
}

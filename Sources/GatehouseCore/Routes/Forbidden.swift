/// The 403 page: who you are signed in as, that this account may not see the page, and how to switch
/// account. Served at `<prefix>/forbidden` (nginx's `error_page 403`) and as the Authorizer role's 403 body.
/// A request with a bearer token (nginx's `error_page 403` keeps the request's headers) gets RFC 6750's plain
/// 403 `insufficient_scope` instead: an API client has no use for a page.
struct Forbidden: Sendable {
    let sessions: LiveSessions
    let routes: Routes
    let bearerEnabled: Bool

    func handle(_ ctx: RequestContext, now: Int64) -> Response {
        if bearerEnabled, BearerCheck.token(in: ctx.request) != nil {
            return CheckAnswer.bearerRefusal(status: GatehouseError.Kind.forbidden.status, CheckAnswer.insufficientScope([]), ctx)
        }
        return page(session: sessions.read(ctx.cookies, now: now), ctx: ctx)
    }

    func page(session: Session?, ctx: RequestContext) -> Response {
        let here = ctx.originalURI ?? "/"
        let switchAccount = routes.signOutURL(returnTo: routes.loginURL(returnTo: here))
        var paragraphs = ["This account is not allowed to see this page."]
        if let session {
            let who = [session.claim("email"), session.claim("preferred_username"), session.claim("name"), session.claim("sub")]
                .lazy.compactMap { $0?.stringValue }.first { !$0.isEmpty } ?? "an unnamed account"
            let via = session.provider == AuthConfig.defaultProviderName ? "" : " (\(session.provider))"
            paragraphs.insert("You are signed in as \(who)\(via).", at: 0)
        }
        paragraphs.append("If you have another account that is allowed, sign out and sign in with it.")
        let page = HTMLPage.render(title: "Access denied", paragraphs: paragraphs,
                                   links: [(label: "Sign out and use another account", href: switchAccount), (label: "Home", href: "/")])
        return .html(status: GatehouseError.Kind.forbidden.status, page)
    }
}

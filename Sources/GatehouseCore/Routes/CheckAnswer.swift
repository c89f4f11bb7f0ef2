import Logging

/// The one place a check's decision meets the web server: decision × FastCGI role × navigation → response.
/// - nginx (`auth_request`, Responder role) accepts only 2xx, 401 and 403 and drops their bodies: identity goes
///   in headers that `auth_request_set` copies; a navigation's 401 carries the login URL in `Location`, which the
///   shipped config redirects to (a 3xx from the check would be a 500).
/// - Apache and lighttpd (Authorizer role) pass a refusal to the client as it is: a navigation is redirected
///   to the login, a 403 carries Gatehouse's page; on allow, exactly 200 with `Variable-*` (lighttpd wants
///   Status first, which the FastCGI layer always writes first).
/// API calls (not navigations) get a JSON 401 in both roles, never an HTML login page (nginx drops the check's
/// body: its `@gatehouse_login` writes the same JSON).
/// In the Responder role a 200 may say how long nginx may cache it (`DecisionCache`); a 401 or 403 never may
/// (`X-Accel-Expires: 0`, whatever the site's `fastcgi_cache_valid`).
struct CheckAnswer: Sendable {
    let identity: IdentityHeaders
    let routes: Routes
    let forbidden: Forbidden
    let cache: DecisionCache
    let logger: Logger

    /// An API call without a session (the JSON of its 401).
    static let signInFirst = GatehouseError(.unauthenticated, "Sign in first: this request carries no valid session.")

    func present(_ decision: AccessDecision, _ ctx: RequestContext, now: Int64) -> Response {
        switch decision {
        case .allow(let session):
            switch ctx.request.role {
            case .responder:
                // X-Accel-Expires before Cache-Control: nginx 1.22 lets it override a no-store that follows it.
                let expires = cache.header(for: session, ctx, now: now).map { [$0] } ?? []
                return Response(status: 200, headers: expires + identity.responderHeaders(for: session) + [.noStore])
            case .authorizer: return Response(status: 200, headers: identity.authorizerHeaders(for: session))
            }
        case .signInRequired(let returnTo):
            guard ctx.isNavigation else {
                return ErrorResponse.json(for: Self.signInFirst, extraHeaders: [Response.Header("WWW-Authenticate", "Cookie realm=\"gatehouse\"")]
                                          + (ctx.request.role == .responder ? [DecisionCache.never] : []))
            }
            let login = routes.loginURL(returnTo: returnTo)
            switch ctx.request.role {
            case .responder:
                return Response(status: GatehouseError.Kind.unauthenticated.status, headers: [.noStore, DecisionCache.never, Response.Header("Location", login)])
            case .authorizer: return .redirect(to: login)
            }
        case .denied(let session, let reason):
            logger.notice("access denied", metadata: ["reason": .string(reason), "provider": .string(session.provider),
                                                     "path": .string(Request.path(of: ctx.originalURI ?? "/"))])
            switch ctx.request.role {
            // nginx drops the body (its error_page 403 fetches <prefix>/forbidden for the page).
            case .responder: return Response(status: GatehouseError.Kind.forbidden.status, headers: [.noStore, DecisionCache.never])
            case .authorizer: return forbidden.page(session: session, ctx: ctx)
            }
        }
    }
}

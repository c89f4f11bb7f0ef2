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
/// (`X-Accel-Expires: 0`, whatever the site's `fastcgi_cache_valid`), nor a 200 for a bearer token (nginx keys
/// its cache on the session cookies, which a token request need not carry).
/// A bearer token's answers follow RFC 6750 in both roles: 401 `invalid_token` (never a login redirect), 403
/// `insufficient_scope` (plain, never the HTML page).
struct CheckAnswer: Sendable {
    let identity: IdentityHeaders
    let routes: Routes
    let forbidden: Forbidden
    let cache: DecisionCache
    let logger: Logger

    /// An API call without a session (the JSON of its 401).
    static let signInFirst = GatehouseError(.unauthenticated, "Sign in first: this request carries no valid session.")
    /// The API call's 401, the same JSON every time: made once, not encoded per check (nginx drops the body anyway;
    /// Apache and lighttpd pass it on).
    static let signInFirstAuthorizer = ErrorResponse.json(for: signInFirst, extraHeaders: [Response.Header("WWW-Authenticate", "Cookie realm=\"gatehouse\"")])
    static let signInFirstResponder = ErrorResponse.json(for: signInFirst, extraHeaders: [Response.Header("WWW-Authenticate", "Cookie realm=\"gatehouse\""),
                                                                                        DecisionCache.never])

    func present(_ decision: AccessDecision, _ ctx: RequestContext, now: Int64) -> Response {
        switch decision {
        case .allow(let session) where session.tokenScopes != nil:
            switch ctx.request.role {
            case .responder: return Response(status: 200, headers: [DecisionCache.never] + identity.responderHeaders(for: session) + [.noStore])
            case .authorizer: return Response(status: 200, headers: identity.authorizerHeaders(for: session))
            }
        case .tokenRefused(let reason):
            logger.notice("bearer token refused", metadata: ["reason": .string(reason), "path": .string(Request.path(of: ctx.originalURI ?? "/"))])
            return Self.bearerRefusal(status: GatehouseError.Kind.unauthenticated.status, Self.invalidToken, ctx)
        case .missingScope(let session, let scopes):
            logger.notice("access denied", metadata: ["reason": "missing scope", "provider": .string(session.provider),
                                                     "path": .string(Request.path(of: ctx.originalURI ?? "/"))])
            return Self.bearerRefusal(status: GatehouseError.Kind.forbidden.status, Self.insufficientScope(scopes), ctx)
        case .denied(let session, let reason) where session.tokenScopes != nil:
            logger.notice("access denied", metadata: ["reason": .string(reason), "provider": .string(session.provider),
                                                     "path": .string(Request.path(of: ctx.originalURI ?? "/"))])
            return Self.bearerRefusal(status: GatehouseError.Kind.forbidden.status, Self.insufficientScope([]), ctx)
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
                return ctx.request.role == .responder ? Self.signInFirstResponder : Self.signInFirstAuthorizer
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

    /// RFC 6750 3: the challenges of a refused bearer token.
    static let invalidToken = Response.Header("WWW-Authenticate", "Bearer realm=\"gatehouse\", error=\"invalid_token\"")

    static func insufficientScope(_ scopes: [String]) -> Response.Header {
        // Scope tokens are printable ASCII without `"` or `\` (RFC 6749 3.3); others are left out of the header.
        let safe = scopes.filter { $0.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x5C } }
        return Response.Header("WWW-Authenticate", "Bearer realm=\"gatehouse\", error=\"insufficient_scope\""
                               + (safe.isEmpty ? "" : ", scope=\"\(safe.joined(separator: " "))\""))
    }

    /// A refusal of a bearer token: the status and challenge only, in both roles, never cached by nginx.
    static func bearerRefusal(status: Int, _ challenge: Response.Header, _ ctx: RequestContext) -> Response {
        Response(status: status, headers: [.noStore, challenge] + (ctx.request.role == .responder ? [DecisionCache.never] : []),
                 body: Array((status == 401 ? "Unauthorized\n" : "Forbidden\n").utf8))
    }
}

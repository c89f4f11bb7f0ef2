import Logging

/// `<prefix>/auth` for nginx's auth_request, and every request in the Authorizer role.
/// Never does I/O: a sealed cookie is all it reads, so it stays fast when the provider is slow or down.
struct AuthCheck: Sendable {
    let sessions: SessionCookie
    let identity: IdentityHeaders
    let prefix: String
    let rules: AccessRules
    let forbidden: Forbidden
    let logger: Logger

    /// `pathRules`: the location's rules that nginx left in the check's path (`RoutedPath.check`).
    func handle(_ ctx: RequestContext, now: Int64, pathRules: String? = nil) throws(GatehouseError) -> Response {
        guard let session = sessions.read(ctx.cookies, now: now) else { return unauthenticated(ctx) }
        let local: [AccessRules]
        do {
            local = try LocationRules.read(ctx.request, pathRules: pathRules, base: rules)
        } catch {
            throw GatehouseError(.internal, "This page's access rules are misconfigured.", detail: error.message)
        }
        // The global rules, then each of the location's: the first refusal wins. (No array built on the hot path.)
        var refusal: String?
        if case .deny(let reason) = rules.decide(session) { refusal = reason }
        for ruleSet in local where refusal == nil {
            if case .deny(let reason) = ruleSet.decide(session) { refusal = reason }
        }
        if let reason = refusal {
            logger.notice("access denied", metadata: ["reason": .string(reason), "provider": .string(session.provider),
                                                     "path": .string(Request.path(of: ctx.originalURI ?? "/"))])
            // nginx drops the body of an auth subrequest (its error_page 403 fetches <prefix>/forbidden);
            // Apache and lighttpd pass the Authorizer's answer to the client, so it carries the page.
            return ctx.request.role == .authorizer ? forbidden.page(session: session, ctx: ctx)
                : Response(status: 403, headers: [Response.Header("Cache-Control", "no-store")])
        }
        switch ctx.request.role {
        case .responder:
            // 200 with no body: nginx copies these with auth_request_set.
            return Response(status: 200, headers: identity.responderHeaders(for: session) + [Response.Header("Cache-Control", "no-store")])
        case .authorizer:
            // Exactly 200 allows in mod_authnz_fcgi; lighttpd wants Status first (the FastCGI layer writes it first).
            return Response(status: 200, headers: identity.authorizerHeaders(for: session))
        }
    }

    /// 401, with the login URL for a page navigation. The Authorizer role redirects itself (Apache and lighttpd
    /// pass its answer to the client); nginx turns a 3xx from auth_request into a 500, so there it is a 401
    /// with `Location`, which the shipped nginx config reads with auth_request_set.
    func unauthenticated(_ ctx: RequestContext) -> Response {
        let login = loginURL(returningTo: ctx.originalURI ?? "/")
        var headers = [Response.Header("Cache-Control", "no-store")]
        guard ctx.isNavigation else {
            headers.append(Response.Header("WWW-Authenticate", "Cookie realm=\"gatehouse\""))
            return Response(status: 401, headers: headers, body: Array("Unauthorized\n".utf8))
        }
        switch ctx.request.role {
        case .responder:
            return Response(status: 401, headers: headers + [Response.Header("Location", login)])
        case .authorizer:
            return .redirect(to: login)
        }
    }

    func loginURL(returningTo uri: String) -> String {
        "\(prefix)/start?rd=\(PercentEncoding.encode(uri))"
    }
}

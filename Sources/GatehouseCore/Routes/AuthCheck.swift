/// `<prefix>/auth` for nginx's auth_request, and every request in the Authorizer role: decides, and nothing
/// else (`CheckAnswer` presents). A sealed cookie and the state store's in-memory mirror are all it reads for a
/// browser, so it stays fast when the provider or the store is slow or down. With `[gatehouse.bearer]` on, a
/// request carrying `Authorization: Bearer` is decided by its token alone (`BearerCheck`: no I/O for a cached
/// token or key; the provider only under a provider slot) and its cookie is not read.
struct AuthCheck: Sendable {
    let sessions: LiveSessions
    let rules: AccessRules
    /// Nil when `[gatehouse.bearer]` is off: an Authorization header is then ignored, as before.
    let bearer: BearerCheck?
    /// The global rules' decision is kept with a cached session (`SessionMemo`) for this configuration.
    let memoOwner = MemoOwner()

    init(sessions: LiveSessions, rules: AccessRules, bearer: BearerCheck? = nil) {
        self.sessions = sessions
        self.rules = rules
        self.bearer = bearer
    }

    /// `pathRules`: the location's rules that nginx left in the check's path (`RoutedPath.check`).
    func decide(_ ctx: RequestContext, now: Int64, pathRules: String? = nil) throws(GatehouseError) -> AccessDecision {
        let session: Session
        if let bearer, let token = BearerCheck.token(in: ctx.request) {
            switch try bearer.authenticate(token, now: now) {
            case .granted(let s): session = s
            case .refused(let reason): return .tokenRefused(reason: reason)
            }
        } else {
            guard let s = sessions.read(ctx.cookies, now: now) else { return .signInRequired(returnTo: ctx.originalURI ?? "/") }
            session = s
        }
        let local: [AccessRules]
        do {
            local = try LocationRules.read(ctx.request, pathRules: pathRules, base: rules)
        } catch {
            throw GatehouseError(.internal, "This page's access rules are misconfigured.", detail: error.description)
        }
        // The global rules, then each of the location's: the first refusal wins.
        if case .deny(let reason) = session.memo.value(\.globalDecision, for: memoOwner, { rules.decide(session) }) {
            return .denied(session, reason: reason)
        }
        for ruleSet in local {
            // Scopes are a token's: a cookie session has none to check (docs/configuration.md, "API clients").
            if let scopes = session.tokenScopes, !ruleSet.requiredScopes.isSubset(of: scopes) {
                return .missingScope(session, scopes: ruleSet.requiredScopes.sorted())
            }
            if case .deny(let reason) = ruleSet.decide(session) { return .denied(session, reason: reason) }
        }
        return .allow(session)
    }
}

/// `<prefix>/auth` for nginx's auth_request, and every request in the Authorizer role: decides, and nothing
/// else (`CheckAnswer` presents). Never does I/O: a sealed cookie and the state store's in-memory mirror are all
/// it reads, so it stays fast when the provider or the store is slow or down.
struct AuthCheck: Sendable {
    let sessions: LiveSessions
    let rules: AccessRules
    /// The global rules' decision is kept with a cached session (`SessionMemo`) for this configuration.
    let memoOwner = MemoOwner()

    /// `pathRules`: the location's rules that nginx left in the check's path (`RoutedPath.check`).
    func decide(_ ctx: RequestContext, now: Int64, pathRules: String? = nil) throws(GatehouseError) -> AccessDecision {
        guard let session = sessions.read(ctx.cookies, now: now) else { return .signInRequired(returnTo: ctx.originalURI ?? "/") }
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
            if case .deny(let reason) = ruleSet.decide(session) { return .denied(session, reason: reason) }
        }
        return .allow(session)
    }
}

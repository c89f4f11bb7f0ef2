/// `<prefix>/userinfo`: `st.user` as JSON for a page's own JavaScript.
struct WhoAmI: Sendable {
    let sessions: LiveSessions
    let exposeTokens: Set<AuthConfig.TokenKind>

    func handle(_ ctx: RequestContext, now: Int64) -> Response {
        guard let session = sessions.read(ctx.cookies, now: now) else {
            return .json(JSONText.encode(["is_logged_in": JSONValue.bool(false)]))
        }
        var user = session.claims
        user["is_logged_in"] = .bool(true)
        user["provider"] = .string(session.provider)
        if exposeTokens.contains(.id) || exposeTokens.contains(.access) {
            var tokens: [String: JSONValue] = [:]
            if exposeTokens.contains(.id), let t = session.idToken { tokens["id"] = .string(t) }
            if exposeTokens.contains(.access), let t = session.accessToken { tokens["access"] = .string(t) }
            user["tokens"] = .object(tokens)
        }
        return .json(JSONText.encode(user))
    }
}

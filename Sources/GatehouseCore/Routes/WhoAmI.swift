/// `<prefix>/userinfo`: `st.user` as JSON for a page's own JavaScript, and, with `[gatehouse.bearer]` on, for an
/// API client's bearer token (its claims, the same shape; 401 `invalid_token` when the token is no credential).
struct WhoAmI: Sendable {
    let sessions: LiveSessions
    let exposeTokens: Set<AuthConfig.TokenKind>
    let bearer: BearerCheck?

    func handle(_ ctx: RequestContext, now: Int64) throws(GatehouseError) -> Response {
        if let bearer, let token = BearerCheck.token(in: ctx.request) {
            switch try bearer.authenticate(token, now: now) {
            case .granted(let session): return .json(JSONText.encode(Self.user(session)))
            case .refused: return CheckAnswer.bearerRefusal(status: GatehouseError.Kind.unauthenticated.status, CheckAnswer.invalidToken, ctx)
            }
        }
        guard let session = sessions.read(ctx.cookies, now: now) else {
            return .json(JSONText.encode(["is_logged_in": JSONValue.bool(false)]))
        }
        var user = Self.user(session)
        if exposeTokens.contains(.id) || exposeTokens.contains(.access) {
            var tokens: [String: JSONValue] = [:]
            if exposeTokens.contains(.id), let t = session.idToken { tokens["id"] = .string(t) }
            if exposeTokens.contains(.access), let t = session.accessToken { tokens["access"] = .string(t) }
            user["tokens"] = .object(tokens)
        }
        return .json(JSONText.encode(user))
    }

    static func user(_ session: Session) -> [String: JSONValue] {
        var user = session.claims
        user["is_logged_in"] = .bool(true)
        user["provider"] = .string(session.provider)
        return user
    }
}

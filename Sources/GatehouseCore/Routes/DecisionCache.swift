/// How long nginx may keep a check's 200 (`X-Accel-Expires`, read by `fastcgi_cache` in
/// `nginx/gatehouse-routes-cached.conf`): the smallest of `decision_cache_ttl`, the session's remaining lifetime
/// and the time until its next refresh is due. Never does I/O (the state store's mirror at most).
///
/// nginx keys the cache on the session cookies as *it* parses them (`$cookie__gatehouse`, ...: the first pair whose
/// name matches in any case, split at `,` too), which is not always what Gatehouse reads (case-sensitive, quotes
/// removed, `,` inside a value). The cached config passes nginx's view as `GATEHOUSE_CACHE_KEY_COOKIES`; a 200 is
/// cacheable only when it equals Gatehouse's own, so a cached decision is served only to a request presenting the
/// very session cookie values it was made for. Without the param (no cache in front) there is no header at all.
struct DecisionCache: Sendable {
    /// The param naming nginx's view of the cookies in its cache key: their values, `;`-separated (a value nginx
    /// reads never holds `;`).
    static let keyCookiesParam = "GATEHOUSE_CACHE_KEY_COOKIES"
    static let header = "X-Accel-Expires"
    /// On every refusal of the check in the Responder role, and on a 200 whose key nginx would build differently.
    static let never = Response.Header(header, "0")

    /// `decision_cache_ttl` in seconds (0: no header).
    let ttl: Int64
    let cookieName: String
    /// `cookie_lifetime` in seconds, counted from sign-in.
    let cookieLifetime: Int64
    let lifecycle: SessionLifecycle?

    init(config: GatehouseConfig, lifecycle: SessionLifecycle?) {
        ttl = config.server.decisionCacheTTL.wholeSeconds
        cookieName = config.cookie.name
        cookieLifetime = config.cookie.lifetime.wholeSeconds
        self.lifecycle = lifecycle
    }

    /// The header for an allowed session in the Responder role, nil for none.
    func header(for session: Session, _ ctx: RequestContext, now: Int64) -> Response.Header? {
        guard ttl > 0, let nginxView = ctx.request[param: Self.keyCookiesParam] else { return nil }
        guard nginxView == keyCookies(ctx.cookies) else { return Self.never }
        var seconds = min(ttl, session.expiresAt - now, session.issuedAt + cookieLifetime - now)
        if let due = lifecycle?.refreshDue(session) { seconds = due <= now ? 0 : min(seconds, due - now) }
        return Response.Header(Self.header, String(max(0, seconds)))
    }

    /// The session cookie and its chunks as Gatehouse reads them, in the form of the param (absent = empty, as
    /// an nginx variable).
    func keyCookies(_ cookies: RequestCookies) -> String {
        ([cookieName] + (0..<ChunkedCookie.maxChunks).map { ChunkedCookie.chunkName(cookieName, $0) })
            .map { cookies[$0] ?? "" }.joined(separator: ";")
    }
}

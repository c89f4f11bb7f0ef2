/// A logged-in user: what `st.user` shows, plus the times that bound it.
public struct Session: Sendable, Equatable {
    public var provider: String { didSet { memo = MemoHandle() } }
    /// Identity claims (already trimmed to what headers and "who am I" use).
    public var claims: [String: JSONValue] { didSet { memo = MemoHandle() } }
    public var issuedAt: Int64
    public var expiresAt: Int64
    /// Kept only when `expose_tokens` or logout at the provider needs them.
    public var idToken: String? { didSet { memo = MemoHandle() } }
    public var accessToken: String? { didSet { memo = MemoHandle() } }
    /// The provider sent more groups than a session cookie holds, so none were kept (see `SessionFitting`):
    /// group rules then refuse, and the log says which setting keeps the groups that matter.
    public var groupsDropped: Bool { didSet { memo = MemoHandle() } }
    /// Gatehouse's own id for this session (random at login; `SessionCookie.read` always sets it, deriving one
    /// from the cookie value for sessions sealed before ids existed).
    public var id: SessionID?
    /// The provider's session (`sid` of the ID token), for back-channel and front-channel logout.
    public var providerSID: String?
    /// The provider's refresh token: sealed in the cookie, never logged, never exposed downstream.
    public var refreshToken: String?
    /// The store keys this session can be revoked by (computed once when the cookie is opened, not sealed).
    public var keys: StateKeys.OfSession?
    /// The scopes of the bearer token this "session" is (never sealed); nil for a cookie session. Set: the
    /// request was authenticated by an access token, so its answers follow RFC 6750 and are never cached by nginx.
    public var tokenScopes: Set<String>? { didSet { memo = MemoHandle() } }
    /// What the check derived from this session while its cookie value is cached (`SessionMemo`); dropped when
    /// a field it depends on changes. Set by `SessionCookie.read` and `RefreshedSession.applied(to:)` only.
    var memo = MemoHandle()

    public init(provider: String, claims: [String: JSONValue], issuedAt: Int64, expiresAt: Int64,
                idToken: String? = nil, accessToken: String? = nil, groupsDropped: Bool = false,
                id: SessionID? = nil, providerSID: String? = nil, refreshToken: String? = nil) {
        self.provider = provider
        self.claims = claims
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.idToken = idToken
        self.accessToken = accessToken
        self.groupsDropped = groupsDropped
        self.id = id
        self.providerSID = providerSID
        self.refreshToken = refreshToken
    }

    /// The issuer and subject the provider named (kept among the claims at login).
    public var issuer: String? { claims["iss"]?.stringValue }
    public var subject: String? { claims["sub"]?.stringValue }

    /// A claim by name, or by a dotted path into nested objects (`realm_access.roles`).
    public func claim(_ path: String) -> JSONValue? {
        if let direct = claims[path] { return direct }
        // A plain name that is not there is not a path either (the split below would look it up again).
        if !path.isEmpty && !path.utf8.contains(UInt8(ascii: ".")) { return nil }
        var current: JSONValue? = .object(claims)
        for part in path.split(separator: ".") {
            current = current?.objectValue?[String(part)]
            if current == nil { return nil }
        }
        return current
    }
}

/// The sealed payload's JSON shape: short keys keep a typical session near 600 bytes of cookie.
struct SessionPayload: Codable {
    var p: String
    var iat: Int64
    var exp: Int64
    var c: [String: JSONValue]
    var it: String?
    var at: String?
    var gd: Bool?
    /// Session id (base64url), provider session id, refresh token.
    var id: String?
    var sid: String?
    var rt: String?

    init(_ s: Session) {
        p = s.provider; iat = s.issuedAt; exp = s.expiresAt; c = s.claims; it = s.idToken; at = s.accessToken
        gd = s.groupsDropped ? true : nil
        id = s.id?.text; sid = s.providerSID; rt = s.refreshToken
    }

    var session: Session {
        Session(provider: p, claims: c, issuedAt: iat, expiresAt: exp, idToken: it, accessToken: at, groupsDropped: gd ?? false,
                id: id.flatMap(SessionID.init(base64url:)), providerSID: sid, refreshToken: rt)
    }
}

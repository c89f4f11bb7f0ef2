/// A logged-in user: what `st.user` shows, plus the times that bound it.
public struct Session: Sendable, Equatable {
    public var provider: String
    /// Identity claims (already trimmed to what headers and "who am I" use).
    public var claims: [String: JSONValue]
    public var issuedAt: Int64
    public var expiresAt: Int64
    /// Kept only when `expose_tokens` or logout at the provider needs them.
    public var idToken: String?
    public var accessToken: String?
    /// The provider sent more groups than a session cookie holds, so none were kept (see `SessionFitting`):
    /// group rules then refuse, and the log says which setting keeps the groups that matter.
    public var groupsDropped: Bool

    public init(provider: String, claims: [String: JSONValue], issuedAt: Int64, expiresAt: Int64,
                idToken: String? = nil, accessToken: String? = nil, groupsDropped: Bool = false) {
        self.provider = provider
        self.claims = claims
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.idToken = idToken
        self.accessToken = accessToken
        self.groupsDropped = groupsDropped
    }

    /// A claim by name, or by a dotted path into nested objects (`realm_access.roles`).
    public func claim(_ path: String) -> JSONValue? {
        if let direct = claims[path] { return direct }
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

    init(_ s: Session) {
        p = s.provider; iat = s.issuedAt; exp = s.expiresAt; c = s.claims; it = s.idToken; at = s.accessToken
        gd = s.groupsDropped ? true : nil
    }

    var session: Session {
        Session(provider: p, claims: c, issuedAt: iat, expiresAt: exp, idToken: it, accessToken: at, groupsDropped: gd ?? false)
    }
}

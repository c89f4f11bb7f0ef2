/// Builds the identity a session hands downstream: headers for nginx, `Variable-*` for Apache and lighttpd.
public struct IdentityHeaders: Sendable {
    public let config: IdentityHeaderConfig
    /// Longest value passed on; longer ones are cut at a character boundary.
    public static let maxValueBytes = 4096

    public init(config: IdentityHeaderConfig) { self.config = config }

    /// (header name, value) pairs in a fixed order; absent claims give no header.
    public func pairs(for session: Session) -> [(String, String)] {
        var out: [(String, String)] = []
        func add(_ header: String, _ claim: String) {
            if let v = session.claim(claim)?.flatText.map(Self.clean), !v.isEmpty { out.append((header, v)) }
        }
        add(config.user, config.userClaim)
        add(config.email, "email")
        add(config.preferredUsername, "preferred_username")
        add(config.groups, config.groupsClaim)
        add(config.name, "name")
        return out
    }

    /// Responder role (nginx): the headers themselves.
    public func responderHeaders(for session: Session) -> [Response.Header] {
        pairs(for: session).map { Response.Header($0.0, $0.1) }
    }

    /// Authorizer role (Apache, lighttpd): `Variable-REMOTE_USER` and one `Variable-NAME` per header,
    /// NAME being the header name upper-cased with `-` as `_` (X-Auth-Request-Email → X_AUTH_REQUEST_EMAIL).
    public func authorizerHeaders(for session: Session) -> [Response.Header] {
        var out: [Response.Header] = []
        let pairs = pairs(for: session)
        if let user = pairs.first(where: { $0.0 == config.user }) { out.append(Response.Header("Variable-REMOTE_USER", user.1)) }
        for (name, value) in pairs { out.append(Response.Header("Variable-" + Request.paramName(forHeader: name), value)) }
        return out
    }

    /// No CR, LF or other control character ever reaches the web server; long values are cut.
    static func clean(_ value: String) -> String {
        var scalars = String.UnicodeScalarView()
        var bytes = 0
        for s in value.unicodeScalars {
            if s.value < 0x20 || s.value == 0x7F || (0x80..<0xA0).contains(s.value) || s.value == 0x2028 || s.value == 0x2029 { continue }
            bytes += String(s).utf8.count
            if bytes > maxValueBytes { break }
            scalars.append(s)
        }
        return String(scalars)
    }
}

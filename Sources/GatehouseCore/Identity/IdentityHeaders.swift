/// Builds the identity a session hands downstream: headers for nginx, `Variable-*` for Apache and lighttpd.
///
/// Values are made safe for a header (docs/identity-headers.md):
/// - control characters (C0, DEL, C1, U+2028/2029) are removed, so no CR or LF ever reaches the web server;
/// - with `encoding = "percent"` (default) every byte outside printable ASCII, and `%`, is percent-encoded
///   (UTF-8), and `,` inside an array element too, so a comma always separates elements; `raw` passes UTF-8;
/// - a value over `maxValueBytes` is never cut: a string claim is left out, an array keeps the whole elements
///   that fit, in order.
public struct IdentityHeaders: Sendable {
    public let config: IdentityHeaderConfig
    let exposeTokens: Set<AuthConfig.TokenKind>
    public static let maxValueBytes = 4096
    /// The headers are kept with a cached session (`SessionMemo`) for this configuration.
    let memoOwner = MemoOwner()

    public init(config: IdentityHeaderConfig, exposeTokens: Set<AuthConfig.TokenKind> = []) {
        self.config = config
        self.exposeTokens = exposeTokens
    }

    /// (header name, value) pairs in a fixed order; absent or empty claims give no header.
    public func pairs(for session: Session) -> [(String, String)] {
        var out: [(String, String)] = []
        func add(_ header: String, _ claim: String) {
            if let v = value(session.claim(claim)) { out.append((header, v)) }
        }
        if let user = value(userClaim(of: session)) { out.append((config.user, user)) }
        add(config.email, "email")
        add(config.preferredUsername, "preferred_username")
        add(config.groups, config.groupsClaim)
        add(config.name, "name")
        if let provider = value(.string(session.provider)) { out.append((config.provider, provider)) }
        for claim in config.extraClaims { add(IdentityHeaderConfig.headerName(forClaim: claim, prefix: config.claimPrefix), claim) }
        return out
    }

    /// `user_claim`, or with `sub@` the claim, `@` and the session's issuer without `https://`; nil when either
    /// is missing (never the bare claim, which would not be unique across providers).
    func userClaim(of session: Session) -> JSONValue? {
        guard config.userClaimAppendsIssuer else { return session.claim(config.userClaim) }
        guard let claim = session.claim(config.userClaim)?.flatText, !claim.isEmpty,
              let iss = session.claim("iss")?.stringValue, !iss.isEmpty else { return nil }
        return .string(claim + "@" + (iss.hasPrefix("https://") ? String(iss.dropFirst(8)) : iss))
    }

    /// Tokens, only those `expose_tokens` names: the ID token as `Authorization: Bearer`, the access token as
    /// `X-Auth-Request-Access-Token` (oauth2-proxy's name).
    func tokenPairs(for session: Session, authorizer: Bool) -> [(String, String)] {
        var out: [(String, String)] = []
        if exposeTokens.contains(.id), let t = session.idToken.flatMap(Self.tokenText) {
            out.append(authorizer ? ("X-Auth-Request-Id-Token", t) : ("Authorization", "Bearer " + t))
        }
        if exposeTokens.contains(.access), let t = session.accessToken.flatMap(Self.tokenText) {
            out.append(("X-Auth-Request-Access-Token", t))
        }
        return out
    }

    /// Responder role (nginx): the headers themselves.
    public func responderHeaders(for session: Session) -> [Response.Header] {
        session.memo.value(\.responderHeaders, for: memoOwner) {
            (pairs(for: session) + tokenPairs(for: session, authorizer: false)).map { Response.Header($0.0, $0.1) }
        }
    }

    /// Authorizer role (Apache, lighttpd): `Variable-REMOTE_USER` and one `Variable-NAME` per header,
    /// NAME being the header name upper-cased with `-` as `_` (X-Auth-Request-Email → X_AUTH_REQUEST_EMAIL).
    public func authorizerHeaders(for session: Session) -> [Response.Header] {
        session.memo.value(\.authorizerHeaders, for: memoOwner) { computeAuthorizerHeaders(for: session) }
    }

    private func computeAuthorizerHeaders(for session: Session) -> [Response.Header] {
        var out: [Response.Header] = []
        let pairs = pairs(for: session)
        if let user = pairs.first(where: { $0.0 == config.user }) { out.append(Response.Header("Variable-REMOTE_USER", user.1)) }
        for (name, value) in pairs + tokenPairs(for: session, authorizer: true) {
            out.append(Response.Header("Variable-" + Request.paramName(forHeader: name), value))
        }
        return out
    }

    /// The header value of a claim, by the rules above; nil when there is nothing (safe) to pass.
    func value(_ claim: JSONValue?) -> String? {
        switch claim {
        case .array(let items)?:
            var kept: [String] = []
            var size = 0
            for item in items {
                guard let text = item.flatText.map({ encode($0, inList: true) }), !text.isEmpty else { continue }
                let added = text.utf8.count + (kept.isEmpty ? 0 : 1)
                guard size + added <= Self.maxValueBytes else { continue }
                kept.append(text)
                size += added
            }
            return kept.isEmpty ? nil : kept.joined(separator: ",")
        case .some(let scalar):
            guard let text = scalar.flatText.map({ encode($0, inList: false) }), !text.isEmpty, text.utf8.count <= Self.maxValueBytes else { return nil }
            return text
        case nil:
            return nil
        }
    }

    func encode(_ text: String, inList: Bool) -> String {
        // Most claims are printable ASCII without `%` (or `,` in a list): they pass as they are, in both encodings.
        if text.utf8.allSatisfy({ Self.isPlain($0, inList: inList) }) { return text }
        var out = [UInt8]()
        out.reserveCapacity(text.utf8.count * 3)
        for scalar in text.unicodeScalars where !Self.isControl(scalar) {
            UTF8.encode(scalar) { byte in
                if Self.isPlain(byte, inList: inList) || config.encoding == .raw {
                    out.append(byte)
                } else {
                    out += [UInt8(ascii: "%"), Self.hexDigits[Int(byte >> 4)], Self.hexDigits[Int(byte & 0xF)]]
                }
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    /// A byte every encoding passes unchanged: printable ASCII except `%`, and `,` inside an array element.
    static func isPlain(_ byte: UInt8, inList: Bool) -> Bool {
        byte >= 0x20 && byte < 0x7F && byte != UInt8(ascii: "%") && !(inList && byte == UInt8(ascii: ","))
    }

    static func isControl(_ s: Unicode.Scalar) -> Bool {
        s.value < 0x20 || s.value == 0x7F || (0x80..<0xA0).contains(s.value) || s.value == 0x2028 || s.value == 0x2029
    }

    /// Tokens are base64url text; anything else in them is refused rather than passed.
    static func tokenText(_ t: String) -> String? {
        t.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) ? t : nil
    }
}

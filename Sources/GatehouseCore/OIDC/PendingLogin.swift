import Foundation
import GatehouseCrypto

/// One login in progress: what the callback needs to finish it. Sealed in its own short-lived cookie
/// (purpose `login`), named after the attempt so several tabs can log in at once.
public struct PendingLogin: Sendable, Equatable, Codable {
    public var state: String
    public var nonce: String
    public var codeVerifier: String
    public var provider: String
    public var returnTo: String
    public var created: Int64

    enum CodingKeys: String, CodingKey {
        case state = "s", nonce = "n", codeVerifier = "v", provider = "p", returnTo = "r", created = "t"
    }

    /// PKCE S256 (RFC 7636): base64url(SHA-256(verifier)).
    public var codeChallenge: String { Base64URL.encode(Digest.sha256(Array(codeVerifier.utf8))) }

    public static func new(provider: String, returnTo: String, now: Int64, random: any RandomBytesSource) -> PendingLogin {
        PendingLogin(state: Base64URL.encode(random.bytes(32)), nonce: Base64URL.encode(random.bytes(32)),
                     codeVerifier: Base64URL.encode(random.bytes(32)), provider: provider, returnTo: returnTo, created: now)
    }
}

/// Reads and writes pending-login cookies: `<cookie name>_login_<first 16 characters of state>`.
public struct PendingLoginCookies: Sendable {
    let sealer: CookieSealer
    let baseName: String
    let path: String
    let secure: Bool
    let lifetime: Int64
    let maxPending: Int

    public init(config: GatehouseConfig, random: any RandomBytesSource) throws(CryptoError) {
        sealer = try CookieSealer(secrets: config.auth.cookieSecrets, purpose: .login, random: random)
        baseName = config.cookie.name + "_login_"
        path = Self.commonPath(config.server.prefix + "/start", config.auth.callbackPath(prefix: config.server.prefix))
        secure = config.cookie.secure
        lifetime = config.server.loginTimeout.wholeSeconds
        maxPending = config.server.maxPendingLogins
    }

    func name(forState state: String) -> String { baseName + String(state.prefix(16)) }

    /// The cookie for a new login, plus deletions of the oldest pending ones beyond the cap.
    public func start(_ login: PendingLogin, existing: RequestCookies) -> [SetCookie] {
        // SameSite=Lax: the provider's redirect back is a top-level GET navigation, which Lax lets through.
        let cookie = SetCookie(name: name(forState: login.state), value: sealer.seal(JSONText.encode(login), cookieName: name(forState: login.state)),
                               path: path, maxAge: lifetime, secure: secure, httpOnly: true, sameSite: .lax)
        let pending = existing.names.filter { $0.hasPrefix(baseName) }.map { name in
            (name, existing[name].flatMap { open($0, name: name) }?.created ?? Int64.min)
        }.sorted { $0.1 < $1.1 }
        let excess = max(0, pending.count - (maxPending - 1))
        return [cookie] + pending.prefix(excess).map { delete($0.0) }
    }

    /// The pending login for `state`, if its cookie is present, genuine, matches exactly, and is not too old.
    public func find(state: String, in cookies: RequestCookies, now: Int64) -> PendingLogin? {
        let cookieName = name(forState: state)
        guard let value = cookies[cookieName], let login = open(value, name: cookieName),
              Digest.constantTimeEqual(Array(login.state.utf8), Array(state.utf8)),
              now - login.created <= lifetime, login.created <= now + 60 else { return nil }
        return login
    }

    public func finish(state: String) -> SetCookie { delete(name(forState: state)) }

    func open(_ value: String, name: String) -> PendingLogin? {
        guard let plain = sealer.open(value, cookieName: name) else { return nil }
        return try? JSONDecoder().decode(PendingLogin.self, from: Data(plain))
    }

    func delete(_ name: String) -> SetCookie {
        SetCookie(name: name, value: "", path: path, maxAge: 0, secure: secure, httpOnly: true, sameSite: .lax)
    }

    /// The longest cookie path that covers both the start and the callback route.
    static func commonPath(_ a: String, _ b: String) -> String {
        var prefix: [Substring] = []
        for (p, q) in zip(a.split(separator: "/"), b.split(separator: "/")) {
            guard p == q else { break }
            prefix.append(p)
        }
        return "/" + prefix.joined(separator: "/")
    }
}

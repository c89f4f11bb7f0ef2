import Foundation
import GatehouseCrypto

/// Reads and writes the session cookie: sealing, chunking, expiry. No I/O.
public struct SessionCookie: Sendable {
    public let config: CookieConfig
    /// Sessions of other providers are refused: a provider taken out of the config ends its sessions.
    public let providers: Set<String>
    let sealer: CookieSealer
    let cache = SessionCache()

    public init(config: CookieConfig, secrets: [String], providers: Set<String>, random: any RandomBytesSource = SecureRandom()) throws(CryptoError) {
        self.config = config
        self.providers = providers
        self.sealer = try CookieSealer(secrets: secrets, purpose: .session, random: random)
    }

    /// The session cookie of a whole configuration: its cookie settings, secrets and providers.
    public init(_ config: GatehouseConfig, random: any RandomBytesSource = SecureRandom()) throws(CryptoError) {
        try self.init(config: config.cookie, secrets: config.auth.cookieSecrets, providers: Set(config.auth.providers.keys), random: random)
    }

    /// The template every session Set-Cookie starts from.
    var template: SetCookie {
        SetCookie(name: config.name, value: "", path: config.path, domain: config.domain,
                  maxAge: config.lifetime.wholeSeconds, secure: config.secure, httpOnly: true, sameSite: config.sameSite)
    }

    /// The session in the request, or nil for anything else: absent, forged, expired, from another cookie name,
    /// from a provider that is not configured now, or older than `cookie_lifetime` as it is configured now
    /// (lowering it shortens sessions already given out; the sealed `exp` only ever shortens it further).
    public func read(_ cookies: RequestCookies, now: Int64) -> Session? {
        guard let value = ChunkedCookie.read(config.name, from: cookies) else { return nil }
        let session: Session
        switch cache.get(value) {
        case .opened(let known): session = known
        case .refused: return nil
        case .unknown:
            guard let opened = open(value) else {
                cache.put(value, nil)
                return nil
            }
            session = opened
            cache.put(value, session)
        }
        // A small leeway for clocks of several instances; never accept a cookie from the far future.
        guard session.expiresAt > now, session.issuedAt <= now + 60, now - session.issuedAt < config.lifetime.wholeSeconds else { return nil }
        return session
    }

    /// The session sealed in a whole cookie value, or nil when it does not open, does not decode or names a
    /// provider that is not configured (all fixed for the life of the value, so the answer is cached).
    private func open(_ value: String) -> Session? {
        guard let plain = sealer.open(value, cookieName: config.name),
              let payload = try? JSONDecoder().decode(SessionPayload.self, from: Data(plain)) else { return nil }
        var opened = payload.session
        guard providers.contains(opened.provider) else { return nil }
        if opened.id == nil { opened.id = SessionID.derived(fromCookieValue: value) }
        opened.keys = StateKeys.OfSession(opened)
        opened.memo = MemoHandle(SessionMemo())
        return opened
    }

    /// Set-Cookie headers for a new session; nil when the session is too large even for chunks.
    public func write(_ session: Session, existing: RequestCookies) -> [SetCookie]? {
        let value = seal(session)
        var t = template
        t.maxAge = max(0, session.expiresAt - session.issuedAt)
        return ChunkedCookie.set(value, template: t, existing: existing)
    }

    /// The sealed cookie value of a session (before chunking).
    public func seal(_ session: Session) -> String {
        sealer.seal(JSONText.encode(SessionPayload(session)), cookieName: config.name)
    }

    public func clear(existing: RequestCookies) -> [SetCookie] {
        ChunkedCookie.clear(template: template, existing: existing)
    }
}

import GatehouseCrypto
import Foundation

/// What a refresh changed about a session: kept in the store (kind `.refreshed`, key = session id), sealed with a
/// key derived from `cookie_secret` (purpose `state`; the session id is in the associated data, so a record
/// cannot be moved to another session). A copy of the store alone reveals no token and no claim.
public struct RefreshedSession: Codable, Sendable, Equatable {
    var claims: [String: JSONValue]
    var accessToken: String?
    var idToken: String?
    /// The newest refresh token: a rotating provider invalidates the one in the cookie at the first refresh, so
    /// later refreshes (on any instance) use this one. Dropped from the in-memory mirror.
    var refreshToken: String?
    var refreshedAt: Int64
    var groupsDropped: Bool
    /// What the check derives from the refreshed session (`SessionMemo`): one per record the mirror holds, so
    /// the claims of a refresh are derived once, not on every check. Neither sealed nor compared.
    var memo = MemoHandle(SessionMemo())

    enum CodingKeys: String, CodingKey {
        case claims, accessToken, idToken, refreshToken, refreshedAt, groupsDropped
    }

    /// The session as it is now: the cookie's identity and lifetime, the refresh's claims and tokens.
    func applied(to session: Session) -> Session {
        var s = session
        s.claims = claims
        s.groupsDropped = groupsDropped
        if accessToken != nil { s.accessToken = accessToken }
        if idToken != nil { s.idToken = idToken }
        // A record belongs to one session id, and the cookie's fields kept above are fixed for that id.
        s.memo = memo
        return s
    }
}

/// Seals and opens `RefreshedSession` records.
struct StateSealer: Sendable {
    let sealer: CookieSealer

    init(secrets: [String]) throws(CryptoError) {
        sealer = try CookieSealer(secrets: secrets, purpose: .state)
    }

    static func name(_ id: SessionID) -> String { "refreshed:" + id.text }

    func seal(_ record: RefreshedSession, for id: SessionID) -> [UInt8] {
        Array(sealer.seal(JSONText.encode(record), cookieName: Self.name(id)).utf8)
    }

    func open(_ value: [UInt8], for id: SessionID) -> RefreshedSession? {
        guard let plain = sealer.open(String(decoding: value, as: UTF8.self), cookieName: Self.name(id)) else { return nil }
        return try? JSONDecoder().decode(RefreshedSession.self, from: Data(plain))
    }
}

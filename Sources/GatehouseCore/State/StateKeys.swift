import GatehouseCrypto

/// The store keys of per-user and per-provider-session entries: 32 hex digits of SHA-256 over a labelled value,
/// so a store holds no email address or subject in the clear, and keys of different kinds never collide.
public enum StateKeys {
    public static func subject(issuer: String, subject: String) -> String { hash("sub", issuer, subject) }
    public static func providerSession(issuer: String, sid: String) -> String { hash("sid", issuer, sid) }
    public static func email(_ address: String) -> String { hash("email", address.lowercased()) }
    /// A logout token's `jti`, per issuer.
    public static func tokenID(issuer: String, jti: String) -> String { hash("jti", issuer, jti) }

    static func hash(_ parts: String...) -> String {
        let digest = Digest.sha256(Array(parts.joined(separator: "\n").utf8))
        return digest.prefix(16).map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }

    /// A store key as the mirror holds it: the 128 bits of its 32 hex digits, so the check hashes two words
    /// instead of a string.
    public struct Hashed: Hashable, Sendable {
        let hi: UInt64, lo: UInt64

        init?(_ key: String) {
            let utf8 = Array(key.utf8)
            guard utf8.count == 32, let hi = UInt64(String(decoding: utf8[0..<16], as: UTF8.self), radix: 16),
                  let lo = UInt64(String(decoding: utf8[16..<32], as: UTF8.self), radix: 16) else { return nil }
            self.hi = hi
            self.lo = lo
        }
    }

    /// The keys one session can be revoked by, computed once per cookie value (`SessionCookie.read`).
    public struct OfSession: Sendable, Equatable {
        public let subject: Hashed?
        public let providerSession: Hashed?
        public let email: Hashed?

        init(_ session: Session) {
            let iss = session.issuer ?? ""
            subject = session.subject.flatMap { Hashed(StateKeys.subject(issuer: iss, subject: $0)) }
            providerSession = session.providerSID.flatMap { Hashed(StateKeys.providerSession(issuer: iss, sid: $0)) }
            email = session.claims["email"]?.stringValue.flatMap { Hashed(StateKeys.email($0)) }
        }
    }
}

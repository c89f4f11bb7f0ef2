import GatehouseCrypto

/// A session's id: 16 random bytes, written as 22 base64url characters (the key of its revocation in the state
/// store). Held as two `UInt64` (big-endian halves of the bytes) so the revocation mirror can use the bits as
/// they are: an id is uniformly random, so no hash of it is any more random than the id itself.
public struct SessionID: Hashable, Sendable, CustomStringConvertible {
    /// Bytes 0–7, big-endian.
    public var hi: UInt64
    /// Bytes 8–15, big-endian.
    public var lo: UInt64

    public static let byteCount = 16
    /// 16 bytes in base64url without padding: 22 characters, the last carrying 2 bits and 4 zero bits.
    public static let textLength = 22

    public init(hi: UInt64, lo: UInt64) {
        self.hi = hi
        self.lo = lo
    }

    /// Exactly 22 base64url characters in their one canonical spelling; nil for any other length, a character
    /// outside the alphabet (`=` included) or non-zero trailing bits.
    public init?(base64url text: some StringProtocol) {
        guard text.utf8.count == Self.textLength, let bytes = Base64URL.decode(text), bytes.count == Self.byteCount else { return nil }
        self.init(bytes: bytes)
    }

    /// A fresh id from `source` (SecureRandom in production).
    public static func random(_ source: any RandomBytesSource) -> SessionID {
        let bytes = source.bytes(byteCount)
        precondition(bytes.count == byteCount, "a random source gave \(bytes.count) bytes for \(byteCount)")
        return SessionID(bytes: bytes)
    }

    /// The 22-character base64url form.
    public var text: String { Base64URL.encode(bytes) }
    public var description: String { text }

    /// The id of a session sealed before sessions had ids: derived from its cookie value, so signing out still
    /// revokes exactly that cookie.
    public static func derived(fromCookieValue value: String) -> SessionID {
        SessionID(bytes: Array(Digest.sha256(Array(value.utf8)).prefix(byteCount)))
    }

    /// The 16 bytes, `hi` then `lo`, each big-endian.
    public var bytes: [UInt8] {
        (0..<Self.byteCount).map { i in
            let half = i < 8 ? hi : lo
            return UInt8(truncatingIfNeeded: half >> UInt64(56 - 8 * (i % 8)))
        }
    }

    private init(bytes: [UInt8]) {
        func half(_ from: Int) -> UInt64 { bytes[from..<from + 8].reduce(0) { $0 << 8 | UInt64($1) } }
        self.init(hi: half(0), lo: half(8))
    }
}

import GatehouseCrypto

/// A Gatehouse session's id: 16 random bytes, sealed in the cookie and named in the store (base64url, 22
/// characters). Uniformly random, so its bits serve directly as hash input (`RevokedSessionSet`).
public struct SessionID: Hashable, Sendable, CustomStringConvertible {
    public let hi: UInt64
    public let lo: UInt64

    public init(hi: UInt64, lo: UInt64) {
        self.hi = hi
        self.lo = lo
    }

    /// Exactly 16 bytes.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 16 else { return nil }
        hi = bytes[0..<8].reduce(0) { $0 << 8 | UInt64($1) }
        lo = bytes[8..<16].reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// Exactly 22 base64url characters (16 bytes).
    public init?(base64url text: String) {
        guard text.utf8.count == 22, let bytes = Base64URL.decode(text) else { return nil }
        self.init(bytes: bytes)
    }

    public var bytes: [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: hi >> (56 - 8 * UInt64($0))) } + (0..<8).map { UInt8(truncatingIfNeeded: lo >> (56 - 8 * UInt64($0))) }
    }

    /// base64url, 22 characters.
    public var text: String { Base64URL.encode(bytes) }
    public var description: String { text }

    public static func random(_ source: any RandomBytesSource) -> SessionID {
        SessionID(bytes: source.bytes(16))!
    }

    /// The id of a session sealed before sessions had ids: derived from its cookie value, so signing out still
    /// revokes exactly that cookie.
    public static func derived(fromCookieValue value: String) -> SessionID {
        SessionID(bytes: Array(Digest.sha256(Array(value.utf8)).prefix(16)))!
    }
}

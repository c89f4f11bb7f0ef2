import GatehouseCrypto

/// Seals and opens cookie values with AES-256-GCM. The format (docs/cookie-format.md):
///
///     value = base64url( 0x01 || nonce[12] || ciphertext || tag[16] )
///     key   = HKDF-SHA256(ikm: UTF-8 cookie secret, salt: "gatehouse-cookie-v1", info: purpose)  (32 bytes)
///     aad   = "gatehouse:1:" + purpose + ":" + cookie name
///
/// Keys are derived once, at start-up. The first secret seals; every secret opens (rotation).
public struct CookieSealer: Sendable {
    /// A separate key per purpose: a login-flow cookie can never be replayed as a session, nor a store entry (`state`) as either.
    public enum Purpose: String, Sendable { case session, login, state }

    public static let version: UInt8 = 1
    static let salt = Array("gatehouse-cookie-v1".utf8)
    static let overhead = 1 + AESGCM.nonceSize + AESGCM.tagSize
    /// Sealed values longer than this (before base64) are not opened at all.
    public static let maxSealedBytes = 16 * 1024

    public let purpose: Purpose
    private let ciphers: [AESGCM]
    private let random: any RandomBytesSource

    public init(secrets: [String], purpose: Purpose, random: any RandomBytesSource = SecureRandom()) throws(CryptoError) {
        precondition(!secrets.isEmpty, "CookieSealer needs at least one secret")
        self.purpose = purpose
        self.random = random
        var ciphers: [AESGCM] = []
        for secret in secrets {
            let key = try HKDF.sha256(inputKey: Array(secret.utf8), salt: Self.salt, info: Array(purpose.rawValue.utf8), outputLength: AESGCM.keySize)
            ciphers.append(try AESGCM(key: key))
        }
        self.ciphers = ciphers
    }

    func associatedData(cookieName: String) -> [UInt8] {
        Array("gatehouse:\(Self.version):\(purpose.rawValue):\(cookieName)".utf8)
    }

    public func seal(_ plaintext: [UInt8], cookieName: String) -> String {
        let nonce = random.bytes(AESGCM.nonceSize)
        // Sealing with a valid 32-byte key and 12-byte nonce fails only if OpenSSL is broken.
        guard let body = try? ciphers[0].seal(plaintext, nonce: nonce, associatedData: associatedData(cookieName: cookieName)) else {
            preconditionFailure("AES-256-GCM seal failed with a valid key and nonce")
        }
        return Base64URL.encode([Self.version] + nonce + body)
    }

    /// The plaintext, or nil for anything that is not a value this sealer (with any of its secrets) made for this name.
    public func open(_ value: String, cookieName: String) -> [UInt8]? {
        guard value.utf8.count <= Self.maxSealedBytes * 4 / 3 + 4,
              let raw = Base64URL.decode(value),
              raw.count >= Self.overhead,
              raw[0] == Self.version else { return nil }
        let nonce = raw[1..<(1 + AESGCM.nonceSize)]
        let body = raw[(1 + AESGCM.nonceSize)...]
        let aad = associatedData(cookieName: cookieName)
        for cipher in ciphers {
            if let plain = cipher.open(body, nonce: nonce, associatedData: aad) { return plain }
        }
        return nil
    }
}

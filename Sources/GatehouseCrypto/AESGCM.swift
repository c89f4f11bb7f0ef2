internal import COpenSSL

/// AES-256-GCM through OpenSSL's EVP API, with a 96-bit nonce and a 128-bit tag.
public struct AESGCM: Sendable {
    public static let keySize = 32
    public static let nonceSize = 12
    public static let tagSize = 16

    private let key: [UInt8]

    public init(key: [UInt8]) throws(CryptoError) {
        guard key.count == Self.keySize else {
            throw CryptoError(operation: "AES-256-GCM", detail: "key must be \(Self.keySize) bytes, got \(key.count)")
        }
        self.key = key
    }

    /// Returns ciphertext || tag.
    public func seal(_ plaintext: [UInt8], nonce: [UInt8], associatedData: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard nonce.count == Self.nonceSize else { throw CryptoError(operation: "AES-256-GCM seal", detail: "nonce must be 12 bytes") }
        let ctx = try CipherContext()
        var out = [UInt8](repeating: 0, count: plaintext.count + Self.tagSize)
        let ok: Bool = ctx.withPointer { c in
            guard EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), nil, nil, nil) == 1,
                  gh_gcm_set_ivlen(c, Int32(Self.nonceSize)) == 1,
                  EVP_EncryptInit_ex(c, nil, nil, key, nonce) == 1 else { return false }
            var len: Int32 = 0
            if !associatedData.isEmpty {
                guard EVP_EncryptUpdate(c, nil, &len, associatedData, Int32(associatedData.count)) == 1 else { return false }
            }
            return out.withUnsafeMutableBufferPointer { o -> Bool in
                var written: Int32 = 0
                if !plaintext.isEmpty {
                    guard EVP_EncryptUpdate(c, o.baseAddress, &written, plaintext, Int32(plaintext.count)) == 1 else { return false }
                }
                var final: Int32 = 0
                guard EVP_EncryptFinal_ex(c, o.baseAddress! + Int(written), &final) == 1 else { return false }
                return gh_gcm_get_tag(c, o.baseAddress! + plaintext.count, Int32(Self.tagSize)) == 1
            }
        }
        guard ok else { throw OpenSSLError.drain("AES-256-GCM seal") }
        return out
    }

    /// Opens ciphertext || tag. Returns nil when authentication fails (wrong key, tampered data or AAD).
    public func open(_ sealed: ArraySlice<UInt8>, nonce: ArraySlice<UInt8>, associatedData: [UInt8]) -> [UInt8]? {
        guard nonce.count == Self.nonceSize, sealed.count >= Self.tagSize, let ctx = try? CipherContext() else { return nil }
        let bodyCount = sealed.count - Self.tagSize
        var tag = Array(sealed.suffix(Self.tagSize))
        let body = Array(sealed.prefix(bodyCount))
        let iv = Array(nonce)
        var out = [UInt8](repeating: 0, count: max(bodyCount, 1))
        let ok: Bool = ctx.withPointer { c in
            guard EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), nil, nil, nil) == 1,
                  gh_gcm_set_ivlen(c, Int32(Self.nonceSize)) == 1,
                  EVP_DecryptInit_ex(c, nil, nil, key, iv) == 1 else { return false }
            var len: Int32 = 0
            if !associatedData.isEmpty {
                guard EVP_DecryptUpdate(c, nil, &len, associatedData, Int32(associatedData.count)) == 1 else { return false }
            }
            return out.withUnsafeMutableBufferPointer { o -> Bool in
                var written: Int32 = 0
                if bodyCount > 0 {
                    guard EVP_DecryptUpdate(c, o.baseAddress, &written, body, Int32(bodyCount)) == 1 else { return false }
                }
                guard gh_gcm_set_tag(c, &tag, Int32(Self.tagSize)) == 1 else { return false }
                var final: Int32 = 0
                return EVP_DecryptFinal_ex(c, o.baseAddress! + Int(written), &final) == 1
            }
        }
        guard ok else {
            OpenSSLError.clear()
            return nil
        }
        out.removeLast(out.count - bodyCount)
        return out
    }
}

/// Owns one EVP_CIPHER_CTX and frees it in deinit; lent only inside `withPointer`.
private final class CipherContext {
    private let ctx: OpaquePointer

    init() throws(CryptoError) {
        guard let c = EVP_CIPHER_CTX_new() else { throw OpenSSLError.drain("EVP_CIPHER_CTX_new") }
        ctx = c
    }

    deinit { EVP_CIPHER_CTX_free(ctx) }

    func withPointer<T>(_ body: (OpaquePointer) -> T) -> T { body(ctx) }
}

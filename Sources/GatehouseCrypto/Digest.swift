internal import COpenSSL

public enum Digest {
    /// SHA-256 (FIPS 180-4) of `data`.
    public static func sha256(_ data: [UInt8]) -> [UInt8] { digest(data, EVP_sha256(), 32) }
    public static func sha384(_ data: [UInt8]) -> [UInt8] { digest(data, EVP_sha384(), 48) }
    public static func sha512(_ data: [UInt8]) -> [UInt8] { digest(data, EVP_sha512(), 64) }

    private static func digest(_ data: [UInt8], _ md: OpaquePointer?, _ size: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: size)
        var outLen: UInt32 = 0
        let ok = data.withUnsafeBytes { input in
            out.withUnsafeMutableBytes { output in
                EVP_Digest(input.baseAddress, input.count, output.baseAddress!.assumingMemoryBound(to: UInt8.self), &outLen, md, nil)
            }
        }
        // A digest over memory we own only fails if OpenSSL itself is broken.
        precondition(ok == 1 && Int(outLen) == size, "\(OpenSSLError.drain("EVP_Digest"))")
        return out
    }

    /// Constant-time comparison for secrets (state, tags); false for different lengths.
    public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        if a.isEmpty { return true }
        return a.withUnsafeBytes { x in b.withUnsafeBytes { y in CRYPTO_memcmp(x.baseAddress, y.baseAddress, a.count) == 0 } }
    }
}

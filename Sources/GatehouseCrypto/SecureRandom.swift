internal import COpenSSL

/// Cryptographically secure random bytes from OpenSSL's DRBG.
public struct SecureRandom: RandomBytesSource {
    public init() {}

    public func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        guard count > 0 else { return out }
        let ok = out.withUnsafeMutableBytes { RAND_bytes($0.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(count)) }
        // RAND_bytes fails only when the DRBG cannot be seeded; continuing would hand out predictable nonces.
        precondition(ok == 1, "\(OpenSSLError.drain("RAND_bytes"))")
        return out
    }
}

/// Where nonces, states and PKCE verifiers come from; injected so tests can be deterministic.
public protocol RandomBytesSource: Sendable {
    func bytes(_ count: Int) -> [UInt8]
}

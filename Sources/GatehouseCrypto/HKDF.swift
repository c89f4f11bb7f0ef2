internal import COpenSSL

/// HKDF-SHA256 (RFC 5869) through OpenSSL's EVP_KDF.
public enum HKDF {
    public static func sha256(inputKey: [UInt8], salt: [UInt8], info: [UInt8], outputLength: Int) throws(CryptoError) -> [UInt8] {
        guard outputLength > 0, outputLength <= 255 * 32 else {
            throw CryptoError(operation: "HKDF", detail: "output length \(outputLength) out of range")
        }
        var out = [UInt8](repeating: 0, count: outputLength)
        let ok = inputKey.withUnsafeBufferPointer { ikm in
            salt.withUnsafeBufferPointer { s in
                info.withUnsafeBufferPointer { i in
                    out.withUnsafeMutableBufferPointer { o in
                        gh_hkdf_sha256(ikm.baseAddress, ikm.count, s.baseAddress, s.count, i.baseAddress, i.count, o.baseAddress, o.count)
                    }
                }
            }
        }
        guard ok == 1 else { throw OpenSSLError.drain("HKDF") }
        return out
    }
}

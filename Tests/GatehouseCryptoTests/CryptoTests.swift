import GatehouseCrypto
import Testing

private func hex(_ s: String) -> [UInt8] {
    var out: [UInt8] = []
    var i = s.startIndex
    while i < s.endIndex {
        let j = s.index(i, offsetBy: 2)
        out.append(UInt8(s[i..<j], radix: 16)!)
        i = j
    }
    return out
}

@Suite struct AESGCMTests {
    // McGrew & Viega, "The Galois/Counter Mode of Operation", test case 16 (AES-256, 96-bit IV, with AAD).
    let key = hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308")
    let iv = hex("cafebabefacedbaddecaf888")
    let aad = hex("feedfacedeadbeeffeedfacedeadbeefabaddad2")
    let plaintext = hex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39")
    let expected = hex("522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662" + "76fc6ece0f4e1768cddf8853bb2d551b")

    @Test func knownAnswerSeal() throws {
        let sealed = try AESGCM(key: key).seal(plaintext, nonce: iv, associatedData: aad)
        #expect(sealed == expected)
    }

    @Test func knownAnswerOpen() throws {
        let opened = try AESGCM(key: key).open(expected[...], nonce: iv[...], associatedData: aad)
        #expect(opened == plaintext)
    }

    @Test func everyFlippedBitFailsAuthentication() throws {
        let gcm = try AESGCM(key: key)
        for i in stride(from: 0, to: expected.count, by: 7) {
            var forged = expected
            forged[i] ^= 0x01
            #expect(gcm.open(forged[...], nonce: iv[...], associatedData: aad) == nil)
        }
        var otherAAD = aad
        otherAAD[0] ^= 1
        #expect(gcm.open(expected[...], nonce: iv[...], associatedData: otherAAD) == nil)
        #expect(gcm.open(expected.dropLast(), nonce: iv[...], associatedData: aad) == nil)
        #expect(gcm.open([UInt8](repeating: 0, count: 5)[...], nonce: iv[...], associatedData: aad) == nil)
    }

    @Test func emptyPlaintextRoundTrips() throws {
        let gcm = try AESGCM(key: key)
        let sealed = try gcm.seal([], nonce: iv, associatedData: [])
        #expect(sealed.count == AESGCM.tagSize)
        #expect(gcm.open(sealed[...], nonce: iv[...], associatedData: []) == [])
    }

    @Test func wrongKeySizeIsRefused() {
        #expect(throws: CryptoError.self) { try AESGCM(key: [1, 2, 3]) }
    }
}

@Suite struct HKDFTests {
    // RFC 5869, appendix A.1.
    @Test func rfc5869TestCase1() throws {
        let okm = try HKDF.sha256(inputKey: [UInt8](repeating: 0x0b, count: 22), salt: Array(0x00...0x0c),
                                  info: Array(0xf0...0xf9), outputLength: 42)
        #expect(okm == hex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"))
    }
}

@Suite struct DigestTests {
    @Test func sha256OfABC() {
        #expect(Digest.sha256(Array("abc".utf8)) == hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"))
    }

    @Test func constantTimeEqual() {
        #expect(Digest.constantTimeEqual([1, 2, 3], [1, 2, 3]))
        #expect(!Digest.constantTimeEqual([1, 2, 3], [1, 2, 4]))
        #expect(!Digest.constantTimeEqual([1, 2], [1, 2, 3]))
    }

    @Test func randomBytesDiffer() {
        let r = SecureRandom()
        #expect(r.bytes(16) != r.bytes(16))
        #expect(r.bytes(33).count == 33)
    }
}

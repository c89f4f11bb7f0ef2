import GatehouseCrypto
import Testing

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

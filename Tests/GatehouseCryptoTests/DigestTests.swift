import GatehouseCrypto
import Testing

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

import GatehouseCrypto
import Testing

@Suite struct HKDFTests {
    // RFC 5869, appendix A.1.
    @Test func rfc5869TestCase1() throws {
        let okm = try HKDF.sha256(inputKey: [UInt8](repeating: 0x0b, count: 22), salt: Array(0x00...0x0c),
                                  info: Array(0xf0...0xf9), outputLength: 42)
        #expect(okm == hex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"))
    }
}

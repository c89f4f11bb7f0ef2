@testable import GatehouseCore
import Testing

@Suite struct EncodingTests {
    @Test func base64URLRoundTrip() {
        for n in 0..<40 {
            let bytes = (0..<n).map { UInt8(truncatingIfNeeded: $0 * 37 + 11) }
            let text = Base64URL.encode(bytes)
            #expect(!text.contains("=") && !text.contains("+") && !text.contains("/"))
            #expect(Base64URL.decode(text) == bytes)
        }
        #expect(Base64URL.decode("a") == nil)
        #expect(Base64URL.decode("ab+/") == nil)
        #expect(Base64URL.decode("AB") == nil, "non-canonical trailing bits are refused")
        #expect(Base64URL.decode("AA") == [0])
    }

    @Test func percentEncoding() {
        #expect(PercentEncoding.encode("/a b?c=d&e") == "%2Fa%20b%3Fc%3Dd%26e")
        #expect(PercentEncoding.decode("%2Fa+b%3F") == "/a b?")
        #expect(PercentEncoding.decode("%zz") == nil)
        #expect(PercentEncoding.decode("%ff") == nil, "bytes that are not UTF-8 are refused")
        let q = QueryParameters(parsing: "rd=%2Fx%3Fa%3D1&provider=google&rd=second&bad=%G0")
        #expect(q["rd"] == "/x?a=1" && q["provider"] == "google" && q["bad"] == nil)
    }

    @Test func urlParts() throws {
        let p = try #require(URLParts("https://Example.COM:8443/a/b?c=d#frag"))
        #expect(p.scheme == "https" && p.host == "example.com" && p.port == 8443 && p.path == "/a/b" && p.query == "c=d")
        #expect(p.origin == "https://example.com:8443")
        #expect(URLParts("https://user@host/") == nil)
        #expect(URLParts("ftp://host/") == nil)
        #expect(URLParts("https://host:99999/") == nil)
        #expect(URLParts("https://[app.example.com]/") == nil, "brackets hold an IPv6 literal only")
        #expect(URLParts("https://[::1]:8443/")?.host == "::1")
    }

    @Test func logLinesNeverSpanLines() {
        let line = LogLine.render(format: .plain, time: .init(timeIntervalSince1970: 0), level: .info, label: "t",
                                  message: "m", metadata: ["k": "a\nb \"c\""])
        #expect(!line.contains("\n"))
        #expect(line.contains(#"k="a\nb \"c\"""#))
        let json = LogLine.render(format: .json, time: .init(timeIntervalSince1970: 0), level: .info, label: "t", message: "m", metadata: ["k": "v"])
        #expect(JSONText.parseObject(Array(json.utf8))?["k"] == .string("v"))
    }
}

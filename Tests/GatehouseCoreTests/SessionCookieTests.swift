@testable import GatehouseCore
import GatehouseCrypto
import Testing

@Suite struct SessionCookieTests {
    let config = Fixture.config()

    func cookie() throws -> SessionCookie { try SessionCookie(config) }

    @Test func roundTripAndSize() throws {
        let c = try cookie()
        let headers = try #require(c.write(Fixture.diana, existing: RequestCookies(header: nil)))
        #expect(headers.count == 1)
        let h = headers[0].headerValue
        #expect(h.contains("; Secure") && h.contains("; HttpOnly") && h.contains("SameSite=Lax") && h.contains("Path=/"))
        #expect(headers[0].value.utf8.count < 1000, "a typical session stays well under 4 KB")
        let read = c.read(RequestCookies(header: "other=1; _gatehouse=\(headers[0].value)"), now: Fixture.now)
        #expect(read?.asSealed == Fixture.diana)
    }

    @Test func expiredAndFutureSessionsAreNoSession() throws {
        let c = try cookie()
        let value = c.seal(Fixture.diana)
        let jar = RequestCookies(header: "_gatehouse=\(value)")
        #expect(c.read(jar, now: Fixture.diana.expiresAt) == nil)
        #expect(c.read(jar, now: Fixture.diana.expiresAt - 1) != nil)
        #expect(c.read(jar, now: Fixture.diana.issuedAt - 3600) == nil)
    }

    @Test func largeSessionIsChunkedAndReadBack() throws {
        let c = try cookie()
        var big = Fixture.diana
        big.claims["groups"] = .array((0..<150).map { .string("group-number-\($0)") })
        let headers = try #require(c.write(big, existing: RequestCookies(header: "_gatehouse=old")))
        let chunks = headers.filter { $0.maxAge != 0 }
        #expect(chunks.map(\.name) == ["_gatehouse_0", "_gatehouse_1"])
        #expect(chunks.allSatisfy { $0.headerValue.utf8.count < 4096 })
        // The stale unchunked cookie is deleted.
        #expect(headers.contains { $0.name == "_gatehouse" && $0.maxAge == 0 })
        let jar = RequestCookies(header: chunks.map { "\($0.name)=\($0.value)" }.joined(separator: "; "))
        #expect(c.read(jar, now: Fixture.now)?.asSealed == big)

        // Re-ordered chunks, a missing chunk, or an extra client-made chunk: no session.
        let swapped = RequestCookies(header: "_gatehouse_0=\(chunks[1].value); _gatehouse_1=\(chunks[0].value)")
        #expect(c.read(swapped, now: Fixture.now) == nil)
        #expect(c.read(RequestCookies(header: "_gatehouse_0=\(chunks[0].value)"), now: Fixture.now) == nil)
        let extra = RequestCookies(header: "_gatehouse_0=\(chunks[0].value); _gatehouse_1=\(chunks[1].value); _gatehouse_2=AAAA")
        #expect(c.read(extra, now: Fixture.now) == nil)
    }

    @Test func chunkCountIsCappedNeverTrusted() throws {
        let c = try cookie()
        var huge = Fixture.diana
        huge.claims["blob"] = .string(String(repeating: "x", count: 20_000))
        #expect(c.write(huge, existing: RequestCookies(header: nil)) == nil)
        // A client announcing 99999999 chunks gets only the capped reads.
        let names = (0..<50).map { "_gatehouse_\($0)=AAAA" }.joined(separator: "; ") + "; _gatehouse_chunks=99999999"
        #expect(ChunkedCookie.read("_gatehouse", from: RequestCookies(header: names))?.count == 4 * ChunkedCookie.maxChunks)
    }

    @Test func clearingDeletesEveryFormPresent() throws {
        let c = try cookie()
        let cleared = c.clear(existing: RequestCookies(header: "_gatehouse_0=a; _gatehouse_1=b; unrelated=c"))
        #expect(cleared.map(\.name) == ["_gatehouse_0", "_gatehouse_1"])
        #expect(cleared.allSatisfy { $0.maxAge == 0 && $0.headerValue.contains("Max-Age=0") })
    }

    @Test func cookieHeaderParsing() {
        let jar = RequestCookies(header: " a=1; b=\"quoted\"; a=2;broken; c= spaced ")
        #expect(jar["a"] == "1" && jar["b"] == "quoted" && jar["c"] == "spaced" && jar["broken"] == nil)
        #expect(RequestCookies(header: String(repeating: "x=1; ", count: 10_000))["x"] == nil)
    }
}

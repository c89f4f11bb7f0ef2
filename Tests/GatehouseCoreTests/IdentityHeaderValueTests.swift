@testable import GatehouseCore
import Testing

@Suite struct IdentityHeaderValueTests {
    let headers = IdentityHeaders(config: IdentityHeaderConfig())

    @Test func encodingAndLimits() {
        #expect(headers.value(.string("José Ñ 100%")) == "Jos%C3%A9 %C3%91 100%25")
        #expect(headers.value(.string("a\r\nX-Evil: 1\u{0}")) == "aX-Evil: 1")
        #expect(headers.value(.array([.string("a,b"), .string("c")])) == "a%2Cb,c")
        #expect(headers.value(.string(String(repeating: "x", count: 5000))) == nil, "long strings are left out, never cut")
        let many = JSONValue.array((0..<1000).map { .string("group-\($0)") })
        let joined = headers.value(many)!
        #expect(joined.utf8.count <= IdentityHeaders.maxValueBytes)
        #expect(joined.split(separator: ",").allSatisfy { $0.hasPrefix("group-") }, "only whole elements")
        #expect(headers.value(.object(["a": .string("b")])) == nil)
        let raw = IdentityHeaders(config: { var c = IdentityHeaderConfig(); c.encoding = .raw; return c }())
        #expect(raw.value(.string("José\n")) == "José")
    }

    @Test func extraClaimsAndTokens() throws {
        let config = Fixture.config("[gatehouse.headers]\nclaims = [\"department\", \"realm_access.roles\"]").withExposedTokens([.id, .access])
        var s = Fixture.diana
        s.claims["department"] = .string("R&D")
        s.claims["realm_access"] = .object(["roles": .array([.string("x"), .string("y")])])
        s.idToken = "h.p.s"; s.accessToken = "opaque-access"
        let r = try Fixture.app(config).handle(Fixture.request(cookie: try Fixture.cookieHeader(for: s, config: config)))
        #expect(r.header("X-Auth-Request-Claim-Department") == "R&D")
        #expect(r.header("X-Auth-Request-Claim-Realm-Access-Roles") == "x,y")
        #expect(r.header("Authorization") == "Bearer h.p.s")
        #expect(r.header("X-Auth-Request-Access-Token") == "opaque-access")
        let a = try Fixture.app(config).handle(Fixture.request("/p", cookie: try Fixture.cookieHeader(for: s, config: config), role: .authorizer))
        #expect(a.header("Variable-X_AUTH_REQUEST_ACCESS_TOKEN") == "opaque-access")
        #expect(a.header("Variable-X_AUTH_REQUEST_ID_TOKEN") == "h.p.s")
    }

    @Test func noTokensUnlessExposed() throws {
        var s = Fixture.diana
        s.idToken = "h.p.s"; s.accessToken = "a"
        let r = try Fixture.app().handle(Fixture.request(cookie: try Fixture.cookieHeader(for: s)))
        #expect(r.header("Authorization") == nil && r.header("X-Auth-Request-Access-Token") == nil)
    }
}

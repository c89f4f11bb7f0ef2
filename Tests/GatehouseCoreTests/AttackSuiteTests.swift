@testable import GatehouseCore
import Testing

/// Attacks on the auth check through `Gatehouse.handle`: forged identity headers in every spelling, and
/// oversized or malformed cookies and chunk sets. The return-URL corpus is in ReturnURLAttackTests.
@Suite struct AttackSuiteTests {
    static let spellings = ["X-Auth-Request-User", "x-auth-request-user", "X-AUTH-REQUEST-USER", "X-Auth_Request_User",
                            "X_Auth_Request_User", "x-auth-request_user", "X-Auth-Request-Email", "X-Auth_Request-Groups",
                            "X-Auth-Request-Preferred-Username", "X-Auth-Request-Name", "Remote-User", "X-Forwarded-User",
                            "X-Auth-Request-Access-Token", "X-Forwarded-Email"]

    @Test(arguments: spellings)
    func forgedIdentityHeadersAreNeverReflected(_ name: String) throws {
        let app = try Fixture.app()
        let withSession = app.handle(Fixture.request(cookie: try Fixture.cookieHeader(), headers: [name: "mallory"]))
        #expect(withSession.status == 200)
        #expect(!withSession.headers.contains { $0.value.contains("mallory") })
        #expect(withSession.headers(named: "X-Auth-Request-User") == ["diana"])
        let authorizer = app.handle(Fixture.request(cookie: try Fixture.cookieHeader(), role: .authorizer, headers: [name: "mallory"]))
        #expect(authorizer.header("Variable-REMOTE_USER") == "diana" && !authorizer.headers.contains { $0.value.contains("mallory") })
        let without = app.handle(Fixture.request(headers: [name: "mallory"]))
        #expect(without.status == 401 && !without.headers.contains { $0.value.contains("mallory") })
    }

    @Test func forgedRemoteUserParamIsIgnored() throws {
        var request = Fixture.request()
        request.params["REMOTE_USER"] = "mallory"
        request.params["AUTH_TYPE"] = "Basic"
        #expect(try Fixture.app().handle(request).status == 401)
    }

    static func junk() throws -> [String] {
        let sealed = String(try Fixture.cookieHeader().dropFirst("_gatehouse=".count))
        return [
            "_gatehouse_chunks=99999999",
            "_gatehouse_chunks=99999999; " + (0..<50).map { "_gatehouse_\($0)=AAAA" }.joined(separator: "; "),
            (0..<50).map { "_gatehouse_\($0)=\(sealed)" }.joined(separator: "; "),
            "_gatehouse=" + String(repeating: "A", count: 100_000),
            "x=" + String(repeating: "y", count: 100_000) + "; _gatehouse=" + sealed,
            "_gatehouse=" + sealed.dropLast(),
            "_gatehouse=" + sealed + "A",
            "_gatehouse_0=" + sealed.prefix(100) + "; _gatehouse_2=" + sealed.dropFirst(100),
            "_gatehouse_login_x=" + sealed,
            "_gatehouse=" + sealed.replacingOccurrences(of: "-", with: "+"),
            ";;;;=;=;==;_gatehouse",
            "_gatehouse=\u{0}" + sealed,
            String(repeating: "a=b; ", count: 5000),
        ]
    }

    @Test func oversizedAndMalformedCookiesAreNoSession() throws {
        let app = try Fixture.app()
        for cookie in try Self.junk() {
            let r = app.handle(Fixture.request(cookie: cookie))
            #expect(r.status == 401, "\(cookie.prefix(60))")
        }
    }

    @Test func aChunkedSessionIgnoresChunksPastTheCap() throws {
        var big = Fixture.diana
        big.claims["groups"] = .array((0..<120).map { .string("group-\($0)-" + String(repeating: "x", count: 40)) })
        let sealed = String(try Fixture.cookieHeader(for: big).dropFirst("_gatehouse=".count))
        let chunks = stride(from: 0, to: sealed.utf8.count, by: ChunkedCookie.chunkSize).map { start in
            String(sealed.dropFirst(start).prefix(ChunkedCookie.chunkSize))
        }
        #expect(chunks.count > 1 && chunks.count <= ChunkedCookie.maxChunks)
        let jar = chunks.enumerated().map { "_gatehouse_\($0.offset)=\($0.element)" }.joined(separator: "; ")
        let app = try Fixture.app()
        #expect(app.handle(Fixture.request(cookie: jar)).status == 200)
        let padded = jar + "; " + (chunks.count..<50).map { "_gatehouse_\($0)=AAAA" }.joined(separator: "; ")
        #expect(app.handle(Fixture.request(cookie: padded)).status == 200, "chunks past the cap are never read")
        // Sign-out clears only the chunk names it knows, never 99999999 of them.
        let out = app.handle(Fixture.request("/oauth2/sign_out", cookie: padded + "; _gatehouse_chunks=99999999"))
        #expect(out.headers(named: "Set-Cookie").count <= ChunkedCookie.maxChunks + 1)
    }
}

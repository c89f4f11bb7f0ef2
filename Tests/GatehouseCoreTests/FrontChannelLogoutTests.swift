@testable import GatehouseCore
import Testing

/// `<prefix>/frontchannel_logout?iss=&sid=` through `Gatehouse.handle`: the provider session's sessions end; the
/// page can be framed by the provider only; anything else revokes nothing.
@Suite struct FrontChannelLogoutTests {
    let flow = SessionLifecycleTests()

    func frame(_ app: Gatehouse, _ query: String, method: String = "GET") -> Response {
        var request = Fixture.request("/oauth2/frontchannel_logout", query: query)
        request.params["REQUEST_METHOD"] = method
        request.params["HTTP_SEC_FETCH_DEST"] = "iframe"
        request.params["HTTP_SEC_FETCH_SITE"] = "cross-site"
        return app.handle(request)
    }

    @Test func theProviderSessionEndsAndOnlyTheProviderMayFrameThePage() throws {
        let a = try flow.app(MemoryStateStore())
        let same = try flow.signIn(a, claims: ["sid": .string("op-1")]), other = try flow.signIn(a, claims: ["sid": .string("op-2")])
        let r = frame(a, "iss=\(PercentEncoding.encode(flow.provider.issuer))&sid=op-1")
        #expect(r.status == 200 && r.header("Cache-Control") == "no-store")
        #expect(r.header("Content-Security-Policy")?.hasSuffix("; frame-ancestors https://idp.example.com") == true && r.header("X-Frame-Options") == nil)
        #expect(flow.check(a, same).status == 401 && flow.check(a, other).status == 200)
    }

    @Test func anythingElseRevokesNothing() throws {
        let a = try flow.app(MemoryStateStore())
        let cookie = try flow.signIn(a, claims: ["sid": .string("op-1")])
        #expect(frame(a, "iss=https%3A%2F%2Fevil.example.com&sid=op-1").status == 400)
        #expect(frame(a, "iss=\(PercentEncoding.encode(flow.provider.issuer))").status == 400)
        #expect(frame(a, "").status == 400, "never by the cookie alone (logout CSRF)")
        #expect(frame(a, "iss=\(PercentEncoding.encode(flow.provider.issuer))&sid=op-1", method: "POST").status == 405)
        #expect(flow.check(a, cookie).status == 200)
        #expect(frame(try flow.app(nil), "iss=\(PercentEncoding.encode(flow.provider.issuer))&sid=op-1").status == 501)
    }
}

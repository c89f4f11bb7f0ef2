@testable import GatehouseCore
import GatehouseCrypto
import Logging
import Testing

/// `<prefix>/backchannel_logout` through `Gatehouse.handle`: each refusal of Back-Channel Logout 1.0 section
/// 2.6 is a 400 that revokes nothing; a valid token ends the sessions of its sid, or of its sub.
@Suite struct BackChannelLogoutTests {
    let flow = SessionLifecycleTests()

    func logoutToken(_ changes: [String: JSONValue?] = [:], header: [String: JSONValue] = ["alg": .string("RS256"), "kid": .string("k1"), "typ": .string("logout+jwt")]) -> String {
        let now = flow.clock.now
        var c: [String: JSONValue] = ["iss": .string(flow.provider.issuer), "aud": .string("client-1"), "iat": .number(Double(now)),
                                      "exp": .number(Double(now + 120)), "jti": .string(Base64URL.encode(SecureRandom().bytes(12))),
                                      "sid": .string("idp-session-1"), "sub": .string("diana"),
                                      "events": .object([LogoutTokenValidator.event: .object([:])])]
        for (k, v) in changes { c[k] = v }
        return FakeProvider.token(c, header: header)
    }

    func post(_ app: Gatehouse, _ token: String, method: String = "POST") -> Response {
        var request = Fixture.request("/oauth2/backchannel_logout")
        request.params["REQUEST_METHOD"] = method
        request.body = Array("logout_token=\(PercentEncoding.encode(token))".utf8)
        return app.handle(request)
    }

    @Test func validTokenEndsTheProviderSession() throws {
        let a = try flow.app(MemoryStateStore())
        let cookie = try flow.signIn(a)
        let r = post(a, logoutToken())
        #expect(r.status == 200 && r.header("Cache-Control") == "no-store")
        #expect(flow.check(a, cookie).status == 401)
    }

    @Test func subOnlyEndsEverySessionOfTheUser() throws {
        let a = try flow.app(MemoryStateStore())
        let one = try flow.signIn(a, claims: ["sid": .string("s-1")]), two = try flow.signIn(a, claims: ["sid": .string("s-2")])
        #expect(post(a, logoutToken(["sid": nil])).status == 200)
        #expect(flow.check(a, one).status == 401 && flow.check(a, two).status == 401)
    }

    @Test func everyDefectIs400AndTheSessionStays() throws {
        let a = try flow.app(MemoryStateStore())
        let cookie = try flow.signIn(a)
        let defects: [(String, String)] = [
            ("alg none", Base64URL.encode(JSONText.encode(["alg": JSONValue.string("none")])) + "." + logoutToken().split(separator: ".")[1] + "."),
            ("wrong alg", logoutToken(header: ["alg": .string("HS256"), "kid": .string("k1")])),
            ("bad signature", String(logoutToken().dropLast(5)) + "bogus"),
            ("no event", logoutToken(["events": nil])),
            ("wrong event", logoutToken(["events": .object(["http://schemas.openid.net/event/other": .object([:])])])),
            ("event not an object", logoutToken(["events": .object([LogoutTokenValidator.event: .string("x")])])),
            ("nonce", logoutToken(["nonce": .string("n")])),
            ("wrong aud", logoutToken(["aud": .string("someone-else")])),
            ("wrong iss", logoutToken(["iss": .string("https://evil.example.com")])),
            ("no sid nor sub", logoutToken(["sid": nil, "sub": nil])),
            ("no jti", logoutToken(["jti": nil])),
            ("expired", logoutToken(["exp": .number(Double(flow.clock.now - 600))])),
            ("iat in the future", logoutToken(["iat": .number(Double(flow.clock.now + 3600))])),
            ("typ of an ID token's cousin", logoutToken(header: ["alg": .string("RS256"), "kid": .string("k1"), "typ": .string("at+jwt")])),
        ]
        for (name, token) in defects {
            let r = post(a, token)
            #expect(r.status == 400, "\(name)")
            #expect(JSONText.parseObject(r.body)?["error"] == .string("invalid_request"), "\(name)")
        }
        #expect(post(a, "").status == 400)
        #expect(flow.check(a, cookie).status == 200, "no refusal revoked anything")
    }

    @Test func replayIsRefusedAndOtherMethodsAndStatelessAreClear() throws {
        let a = try flow.app(MemoryStateStore())
        let token = logoutToken()
        #expect(post(a, token).status == 200)
        #expect(post(a, token).status == 400, "the same jti twice")
        #expect(post(a, token, method: "GET").status == 405)
        let stateless = try flow.app(nil)
        #expect(post(stateless, logoutToken()).status == 501)
    }

    @Test func onlyThisRouteInTheResponderRoleReadsABody() {
        let app = try! flow.app(nil)
        var post = Fixture.request("/oauth2/backchannel_logout")
        post.params["REQUEST_METHOD"] = "POST"
        #expect(app.bodyLimit(for: post) == Gatehouse.maxBodyBytes)
        var get = post; get.params["REQUEST_METHOD"] = "GET"
        var other = post; other.params["DOCUMENT_URI"] = "/oauth2/sign_out"
        var authorizer = post; authorizer.role = .authorizer
        #expect(app.bodyLimit(for: get) == 0 && app.bodyLimit(for: other) == 0 && app.bodyLimit(for: authorizer) == 0)
    }
}

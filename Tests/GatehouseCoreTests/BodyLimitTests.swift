@testable import GatehouseCore
import Testing

/// Which requests get their body read at the edge (`bodyLimit(for:)`), and the 413 for one over the limit.
@Suite struct BodyLimitTests {
    static func post(_ path: String, role: FastCGIRole = .responder, method: String = "POST") -> Request {
        var r = Fixture.request(path, uri: path, role: role)
        r.params["REQUEST_METHOD"] = method
        return r
    }

    @Test func onlyAPostToTheBackchannelRouteInTheResponderRoleHasABody() throws {
        let app = try Fixture.app()
        #expect(app.bodyLimit(for: Self.post("/oauth2/backchannel_logout")) == 16_384)
        #expect(Gatehouse.maxBodyBytes == 16_384)
    }

    @Test func theAuthorizerRoleNeverReadsABody() throws {
        // Apache sends no stdin record to an Authorizer: reading would wait for its 30 s timeout.
        let app = try Fixture.app()
        #expect(app.bodyLimit(for: Self.post("/oauth2/backchannel_logout", role: .authorizer)) == 0)
        #expect(app.bodyLimit(for: Self.post("/private/page", role: .authorizer)) == 0)
    }

    @Test(arguments: ["GET", "HEAD", "PUT", "DELETE", "post", ""])
    func otherMethodsHaveNoBody(method: String) throws {
        #expect(try Fixture.app().bodyLimit(for: Self.post("/oauth2/backchannel_logout", method: method)) == 0)
    }

    @Test(arguments: ["/oauth2/auth", "/oauth2/start", "/oauth2/callback", "/oauth2/sign_out", "/oauth2/userinfo",
                      "/oauth2/forbidden", "/oauth2/backchannel_logout/", "/oauth2/backchannel_logout?x=1",
                      "/oauth2/backchannel_logout#x", "/oauth2/auth?allowed_groups=admins", "/oauth2/backchannel", "/",
                      "/private/oauth2/backchannel_logout", "/OAUTH2/backchannel_logout"])
    func otherPathsHaveNoBody(path: String) throws {
        #expect(try Fixture.app().bodyLimit(for: Self.post(path)) == 0)
    }

    @Test func theRouteFollowsThePrefix() throws {
        let app = try Fixture.app(Fixture.config("prefix = \"/_gh\""))
        #expect(app.bodyLimit(for: Self.post("/_gh/backchannel_logout")) == 16_384)
        #expect(app.bodyLimit(for: Self.post("/oauth2/backchannel_logout")) == 0)
    }

    @Test func aBodyOverTheLimitIs413() throws {
        var r = Self.post("/oauth2/backchannel_logout")
        r.bodyTooLarge = true
        let response = try Fixture.app().handle(r)
        #expect(response.status == 413)
        #expect(JSONText.parseObject(response.body)?["error"] == .string("invalid_request"))
        #expect(GatehouseError.Kind.payloadTooLarge.status == 413)
    }

    @Test func aRequestKeepsItsBody() {
        let r = Request(params: ["REQUEST_METHOD": "POST"], body: Array("logout_token=x".utf8))
        #expect(r.body == Array("logout_token=x".utf8) && !r.bodyTooLarge)
        #expect(Request(params: [:]).body.isEmpty)
    }
}

@testable import GatehouseCore
import Testing

@Suite struct WhoAmIAndSignOutTests {
    @Test func whoAmILoggedIn() throws {
        let r = try Fixture.app().handle(Fixture.request("/oauth2/userinfo", cookie: try Fixture.cookieHeader()))
        #expect(r.status == 200 && r.header("Cache-Control") == "no-store")
        let json = try #require(JSONText.parseObject(r.body))
        #expect(json["is_logged_in"] == .bool(true))
        #expect(json["provider"] == .string("default"))
        #expect(json["email"] == .string("diana@example.org"))
        #expect(json["tokens"] == nil)
    }

    @Test func whoAmILoggedOut() throws {
        let r = try Fixture.app().handle(Fixture.request("/oauth2/userinfo"))
        #expect(JSONText.parseObject(r.body) == ["is_logged_in": .bool(false)])
    }

    @Test func tokensOnlyWhenExposed() throws {
        let config = Fixture.config().withExposedTokens([.id])
        var s = Fixture.diana
        s.idToken = "id.token.value"; s.accessToken = "access-token"
        let r = try Fixture.app(config).handle(Fixture.request("/oauth2/userinfo", cookie: try Fixture.cookieHeader(for: s, config: config)))
        let json = try #require(JSONText.parseObject(r.body))
        #expect(json["tokens"] == .object(["id": .string("id.token.value")]))
    }

    @Test func signOutClearsEveryChunkAndValidatesReturn() throws {
        let app = try Fixture.app()
        let r = app.handle(Fixture.request("/oauth2/sign_out", cookie: "_gatehouse_0=a; _gatehouse_1=b", query: "rd=%2Fbye"))
        #expect(r.status == 302 && r.header("Location") == "/bye")
        #expect(r.headers(named: "Set-Cookie").count == 2)
        let evil = app.handle(Fixture.request("/oauth2/sign_out", query: "rd=https%3A%2F%2Fevil.example%2F"))
        #expect(evil.header("Location") == "/")
    }
}

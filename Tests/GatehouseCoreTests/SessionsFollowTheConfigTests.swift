@testable import GatehouseCore
import Testing

/// A session is only as good as the configuration it meets now, not the one that sealed it.
@Suite struct SessionsFollowTheConfigTests {
    @Test func aSessionOfAProviderNoLongerConfiguredIsRefused() throws {
        let twoProviders = Fixture.config().withProvider("corp")
        var s = Fixture.diana
        s.provider = "corp"
        let cookie = try Fixture.cookieHeader(for: s, config: twoProviders)
        #expect(try Fixture.app(twoProviders).handle(Fixture.request(cookie: cookie)).status == 200)
        // The operator removes "corp": its sessions end at once, whatever their sealed expiry.
        #expect(try Fixture.app().handle(Fixture.request(cookie: cookie)).status == 401)
        #expect(try Fixture.app().handle(Fixture.request("/oauth2/userinfo", cookie: cookie)).body == Array("{\"is_logged_in\":false}".utf8))
    }

    @Test func aSessionSealedForAProviderNeverConfiguredIsRefused() throws {
        var s = Fixture.diana
        s.provider = "nobody-configured-this"
        #expect(try Fixture.app().handle(Fixture.request(cookie: try Fixture.cookieHeader(for: s))).status == 401)
    }

    @Test func loweringCookieLifetimeShortensExistingSessions() throws {
        var s = Fixture.diana
        s.issuedAt = Fixture.now - 2 * 86_400
        s.expiresAt = Fixture.now + 28 * 86_400          // sealed under the 30-day default
        let cookie = try Fixture.cookieHeader(for: s)
        #expect(try Fixture.app().handle(Fixture.request(cookie: cookie)).status == 200)
        #expect(try Fixture.app(Fixture.config("cookie_lifetime = \"3d\"")).handle(Fixture.request(cookie: cookie)).status == 200)
        #expect(try Fixture.app(Fixture.config("cookie_lifetime = \"1d\"")).handle(Fixture.request(cookie: cookie)).status == 401)
        #expect(try Fixture.app(Fixture.config("cookie_lifetime = \"2d\"")).handle(Fixture.request(cookie: cookie)).status == 401)
    }
}

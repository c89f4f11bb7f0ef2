@testable import GatehouseCore
import Testing

/// Sign-out only for requests from this origin or with no browser context; another site's GET or POST gets a
/// confirmation page (a POST form, never framed) and nothing is cleared.
@Suite struct SignOutCSRFTests {
    func signOut(method: String = "GET", headers: [String: String]) throws -> Response {
        var request = Fixture.request("/oauth2/sign_out", cookie: try Fixture.cookieHeader(), headers: headers, query: "rd=%2Fbye")
        request.params["REQUEST_METHOD"] = method
        return try Fixture.app().handle(request)
    }

    func signedOut(_ r: Response) -> Bool {
        r.status == 302 && r.header("Location") == "/bye" && r.headers(named: "Set-Cookie").contains { $0.hasPrefix("_gatehouse=;") }
    }

    func confirmation(_ r: Response) -> Bool {
        let page = String(decoding: r.body, as: UTF8.self)
        return r.status == 200 && r.headers(named: "Set-Cookie").isEmpty && r.header("Location") == nil
            && page.contains(#"<form method="post" action="/oauth2/sign_out?rd=%2Fbye"><button class="button" type="submit">Sign out</button></form>"#)
            && page.contains(#"<a href="/">Stay signed in</a>"#)
            && r.header("X-Frame-Options") == "DENY" && r.header("Content-Security-Policy")?.hasSuffix("; frame-ancestors 'none'") == true
    }

    @Test(arguments: ["cross-site", "same-site", "Cross-Site", "bogus"])
    func anotherSitesGetOrPostIsOnlyAskedToConfirm(site: String) throws {
        #expect(confirmation(try signOut(headers: ["Sec-Fetch-Site": site, "Sec-Fetch-Mode": "navigate"])))
        #expect(confirmation(try signOut(method: "POST", headers: ["Sec-Fetch-Site": site, "Origin": "https://app.example.com"])),
                "Fetch Metadata wins over a matching Origin")
    }

    @Test(arguments: ["same-origin", "none"])
    func ownOriginOrTypedURLSignsOut(site: String) throws {
        #expect(signedOut(try signOut(headers: ["Sec-Fetch-Site": site])))
        #expect(signedOut(try signOut(method: "POST", headers: ["Sec-Fetch-Site": site])))
    }

    @Test func withoutFetchMetadataTheOriginDecides() throws {
        #expect(signedOut(try signOut(headers: [:])), "curl, old browsers' links")
        #expect(signedOut(try signOut(method: "POST", headers: ["Origin": "https://app.example.com"])))
        #expect(confirmation(try signOut(method: "POST", headers: ["Origin": "https://evil.example"])))
        #expect(confirmation(try signOut(method: "POST", headers: ["Origin": "https://app.example.com.evil.example"])))
        #expect(confirmation(try signOut(method: "POST", headers: ["Origin": "null"])))
    }

    @Test func theForbiddenPagesSwitchAccountLinkStillWorks() throws {
        // Followed from Gatehouse's own 403 page: same-origin.
        let r = try Fixture.app().handle(Fixture.request("/oauth2/sign_out", cookie: try Fixture.cookieHeader(),
                                                         headers: ["Sec-Fetch-Site": "same-origin"], query: "rd=%2Foauth2%2Fstart%3Frd%3D%252Fadmin"))
        #expect(r.status == 302 && r.header("Location") == "/oauth2/start?rd=%2Fadmin")
    }
}

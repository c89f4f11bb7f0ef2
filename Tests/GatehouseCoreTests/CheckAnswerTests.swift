@testable import GatehouseCore
import Logging
import Testing

/// The check decides (`AuthCheck.decide`), then one presenter answers (`CheckAnswer.present`): every decision
/// × FastCGI role × navigation, as nginx, Apache and lighttpd need it.
@Suite struct CheckAnswerTests {
    let config = Fixture.config()
    var answer: CheckAnswer {
        let routes = Routes(config: config)
        return CheckAnswer(identity: IdentityHeaders(config: config.headers), routes: routes,
                           forbidden: Forbidden(sessions: LiveSessions(cookie: try! SessionCookie(config), lifecycle: nil), routes: routes,
                                                providers: config.auth.providers, pages: HTMLPage(config: config), bearerEnabled: false),
                           cache: DecisionCache(config: config, lifecycle: nil), logger: Logger(label: "test"))
    }

    func ctx(_ role: FastCGIRole, navigation: Bool) -> RequestContext {
        RequestContext(Fixture.request(role: role, headers: ["Sec-Fetch-Mode": navigation ? "navigate" : "cors"]), trustedProxies: [])
    }

    @Test func decisionsComeWithoutAnyTransportConcern() throws {
        let check = AuthCheck(sessions: LiveSessions(cookie: try SessionCookie(config), lifecycle: nil), rules: config.rules, bearer: nil)
        let none = RequestContext(Fixture.request(), trustedProxies: [])
        #expect(try check.decide(none, now: Fixture.now) == .signInRequired(returnTo: "/private/page?x=1&y=2"))
        let signedIn = RequestContext(Fixture.request(cookie: try Fixture.cookieHeader()), trustedProxies: [])
        guard case .allow(let allowed) = try check.decide(signedIn, now: Fixture.now) else { Issue.record("not allowed"); return }
        #expect(allowed.asSealed == Fixture.diana)
        guard case .denied(_, let reason) = try check.decide(signedIn, now: Fixture.now, pathRules: "allowed_groups=nobody") else {
            Issue.record("not denied"); return
        }
        #expect(reason == "not in an allowed group")
    }

    @Test(arguments: [(FastCGIRole.responder, true, 401, true), (.responder, false, 401, false),
                      (.authorizer, true, 302, true), (.authorizer, false, 401, false)])
    func signInRequired(role: FastCGIRole, navigation: Bool, status: Int, hasLocation: Bool) {
        let r = answer.present(.signInRequired(returnTo: "/a?b=1"), ctx(role, navigation: navigation), now: Fixture.now)
        #expect(r.status == status)
        #expect((r.header("Location") == "/oauth2/start?rd=%2Fa%3Fb%3D1") == hasLocation)
        #expect(hasLocation || r.header("WWW-Authenticate") != nil)
    }

    @Test(arguments: [FastCGIRole.responder, .authorizer])
    func allowAndDeny(role: FastCGIRole) {
        let allowed = answer.present(.allow(Fixture.diana), ctx(role, navigation: true), now: Fixture.now)
        #expect(allowed.status == 200)
        #expect(role == .responder ? allowed.header("X-Auth-Request-User") == "diana" : allowed.header("Variable-REMOTE_USER") == "diana")
        let denied = answer.present(.denied(Fixture.diana, reason: "test"), ctx(role, navigation: true), now: Fixture.now)
        #expect(denied.status == 403 && denied.header("Location") == nil)
        // nginx drops a check's body; Apache and lighttpd show it, so there it is the page.
        #expect(denied.body.isEmpty == (role == .responder))
    }
}

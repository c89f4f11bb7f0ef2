@testable import GatehouseCore
import Testing

/// Logins with ordinary group counts: the session always fits its cookie (at most two chunks, so the Cookie
/// header stays under 8 KB), keeps every group while they fit, and keeps none (never some) when they do not.
@Suite struct SessionFittingTests {
    static func groups(_ n: Int) -> JSONValue {
        .array((0..<n).map { .string("department-\($0)-with-a-realistically-long-group-name") })
    }

    func login(groups n: Int, _ extraGatehouse: String = "") throws -> (cookies: [String], check: Response) {
        let flow = LoginFlowTests()
        let app = try flow.app(flow.config("", extraGatehouse))
        let (q, loginCookie) = try flow.start(app)
        flow.provider.answerTokens(idToken: FakeProvider.token(flow.provider.claims(nonce: q["nonce"]!, now: flow.now, ["groups": Self.groups(n)])))
        let r = app.handle(Fixture.request("/oauth2/callback", cookie: loginCookie, query: "code=abc&state=\(q["state"]!)"))
        #expect(r.status == 302, "every user can sign in")
        let cookies = r.headers(named: "Set-Cookie").filter { $0.hasPrefix("_gatehouse") && !$0.contains("Max-Age=0") }
        let header = cookies.map { String($0.split(separator: ";")[0]) }.joined(separator: "; ")
        return (cookies, app.handle(Fixture.request(cookie: header)))
    }

    @Test(arguments: [0, 20, 100])
    func ordinaryGroupCountsAreKeptWhole(n: Int) throws {
        let (cookies, check) = try login(groups: n)
        #expect(cookies.count <= ChunkedCookie.maxWrittenChunks)
        #expect(cookies.map { $0.utf8.count }.reduce(0, +) < 8000)
        #expect(check.status == 200)
        let header = check.header("X-Auth-Request-Groups") ?? ""
        #expect(header.split(separator: ",").count == n || header.utf8.count > IdentityHeaders.maxValueBytes - 100)
    }

    @Test func fiveHundredGroupsKeepNoneAndGroupRulesRefuse() throws {
        let (cookies, check) = try login(groups: 500)
        #expect(cookies.count <= ChunkedCookie.maxWrittenChunks)
        #expect(check.status == 200, "pages without group rules work")
        #expect(check.header("X-Auth-Request-Groups") == nil, "no partial list downstream")
        var s = Fixture.diana
        s.groupsDropped = true
        var rules = AccessRules()
        rules.allowedGroups = ["admins"]
        guard case .deny(let reason) = rules.decide(s) else { Issue.record("allowed with dropped groups"); return }
        #expect(reason.contains("session_groups"))
    }

    @Test func sessionGroupsKeepsWhatRulesUse() throws {
        let (cookies, check) = try login(groups: 500, "session_groups = [\"department-7-*\", \"department-499-with-a-realistically-long-group-name\"]")
        #expect(cookies.count == 1)
        let kept = Set((check.header("X-Auth-Request-Groups") ?? "").split(separator: ",").map(String.init))
        #expect(kept == ["department-7-with-a-realistically-long-group-name", "department-499-with-a-realistically-long-group-name"])
    }

    @Test func theIDTokenIsKeptOnlyWhenExposed() throws {
        let flow = LoginFlowTests()
        for (expose, kept) in [("", false), ("expose_tokens = [\"id\"]", true)] {
            let config = flow.config(expose)
            let app = try flow.app(config)
            let (q, loginCookie) = try flow.start(app)
            flow.provider.answerTokens(idToken: FakeProvider.token(flow.provider.claims(nonce: q["nonce"]!, now: flow.now)))
            let r = app.handle(Fixture.request("/oauth2/callback", cookie: loginCookie, query: "code=abc&state=\(q["state"]!)"))
            let value = try #require(r.headers(named: "Set-Cookie").first { $0.hasPrefix("_gatehouse=") }).split(separator: ";")[0].dropFirst("_gatehouse=".count)
            let session = try #require(SessionCookie(config).read(RequestCookies(header: "_gatehouse=\(value)"), now: flow.now))
            #expect((session.idToken != nil) == kept)
        }
    }

    @Test func dottedGroupClaimsAreFilteredInPlace() {
        let claims: [String: JSONValue] = ["realm_access": .object(["roles": .array([.string("a"), .string("b")]), "other": .string("x")])]
        let out = SessionFitting.setting("realm_access.roles", in: claims, to: .array([.string("a")]))
        #expect(out["realm_access"] == .object(["roles": .array([.string("a")]), "other": .string("x")]))
    }

    @Test func badSessionGroupPatternsAreConfigProblems() {
        guard case .failure(let e) = ConfigLoader.load(toml: "[auth]\ncookie_secret = \"\(Fixture.secret)\"\n[gatehouse]\nsession_groups = [\"\", \"*\", \"a*b\", \"ok-*\"]") else {
            Issue.record("accepted"); return
        }
        #expect(Set(e.problems.map(\.keyPath)) == ["gatehouse.session_groups[0]", "gatehouse.session_groups[1]", "gatehouse.session_groups[2]"])
    }
}

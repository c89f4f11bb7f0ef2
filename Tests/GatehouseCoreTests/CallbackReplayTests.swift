@testable import GatehouseCore
import Testing

/// A pending login serves one callback: junk codes, replays and a finished login's cookie never reach the
/// token endpoint a second time (ConsumedStates), and the first failure deletes the pending-login cookie.
@Suite struct CallbackReplayTests {
    let flow = LoginFlowTests()
    var provider: FakeProvider { flow.provider }
    var tokenRequests: Int { provider.requests.filter { $0.url.hasSuffix("/token") }.count }

    @Test func tenJunkCodesWithOnePendingLoginMakeOneTokenRequest() throws {
        let app = try flow.app()
        let (q, loginCookie) = try flow.start(app)
        provider.set("https://idp.example.com/token", 400, Array(#"{"error":"invalid_grant"}"#.utf8))
        let cookieName = String(loginCookie.split(separator: "=")[0])
        for i in 0..<10 {
            let r = app.handle(Fixture.request("/oauth2/callback", cookie: loginCookie, query: "code=junk\(i)&state=\(q["state"]!)"))
            #expect(r.status == 400)
            #expect(r.headers(named: "Set-Cookie").contains { $0.hasPrefix(cookieName + "=;") && $0.contains("Max-Age=0") },
                    "every refusal deletes the pending login")
        }
        #expect(tokenRequests == 1)
    }

    @Test func aFinishedLoginsCookieCannotBeReplayed() throws {
        let app = try flow.app()
        let (q, loginCookie) = try flow.start(app)
        provider.answerTokens(idToken: FakeProvider.token(provider.claims(nonce: q["nonce"]!, now: flow.now)))
        let callback = Fixture.request("/oauth2/callback", cookie: loginCookie, query: "code=abc&state=\(q["state"]!)")
        #expect(app.handle(callback).status == 302)
        let replay = app.handle(callback)
        #expect(replay.status == 400 && !replay.headers(named: "Set-Cookie").contains { $0.hasPrefix("_gatehouse=") })
        #expect(tokenRequests == 1)
    }

    @Test func failuresBeforeTheExchangeUseThePendingLoginUpToo() throws {
        let app = try flow.app()
        let (q, loginCookie) = try flow.start(app)
        #expect(app.handle(Fixture.request("/oauth2/callback", cookie: loginCookie, query: "state=\(q["state"]!)")).status == 400)
        provider.answerTokens(idToken: FakeProvider.token(provider.claims(nonce: q["nonce"]!, now: flow.now)))
        #expect(app.handle(Fixture.request("/oauth2/callback", cookie: loginCookie, query: "code=abc&state=\(q["state"]!)")).status == 400)
        #expect(tokenRequests == 0)
    }

    @Test func recordExpiresWithThePendingLoginAndEvictsTheFirstToExpireWhenFull() {
        let used = ConsumedStates(capacity: 2)
        #expect(used.consume("a", expiresAt: 100, now: 0) == .first)
        #expect(used.consume("a", expiresAt: 100, now: 50) == .replayed)
        #expect(used.consume("b", expiresAt: 200, now: 50) == .first)
        // Full of live entries: the one that expires first ("a") makes room; the others stay refused.
        #expect(used.consume("c", expiresAt: 300, now: 60) == .first)
        #expect(used.consume("b", expiresAt: 200, now: 60) == .replayed)
        #expect(used.consume("c", expiresAt: 300, now: 60) == .replayed)
        #expect(used.count == 2)
        // Past its pending login's lifetime (its cookie is refused anyway), an entry's room is reused first.
        #expect(used.consume("d", expiresAt: 400, now: 201) == .first)
        #expect(used.consume("c", expiresAt: 300, now: 201) == .replayed)
        #expect(used.count == 2)
    }

    @Test func aFullRecordNeverBlocksSignIn() throws {
        // Through handle, with the record filled by other logins' states: a new login still completes once.
        let app = try flow.app()
        for i in 0..<ConsumedStates.defaultCapacity {
            _ = app.callback.consumed.consume("other-\(i)", expiresAt: flow.now + 600, now: flow.now)
        }
        let (q, loginCookie) = try flow.start(app)
        provider.answerTokens(idToken: FakeProvider.token(provider.claims(nonce: q["nonce"]!, now: flow.now)))
        let r = app.handle(Fixture.request("/oauth2/callback", cookie: loginCookie, query: "code=abc&state=\(q["state"]!)"))
        #expect(r.status == 302)
        #expect(app.handle(Fixture.request("/oauth2/callback", cookie: loginCookie, query: "code=abc&state=\(q["state"]!)")).status == 400)
        #expect(tokenRequests == 1)
        #expect(app.callback.consumed.count == ConsumedStates.defaultCapacity)
    }
}

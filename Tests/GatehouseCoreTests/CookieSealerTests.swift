@testable import GatehouseCore
import GatehouseCrypto
import Testing

@Suite struct CookieSealerTests {
    /// Made by the Python implementation in Tests/integration/gatehouse_cookie.py (`python3 gatehouse_cookie.py`).
    let pythonVector = "AQABAgMEBQYHCAkKC9H58hh6SGoXjrRsw4PzHq7lPQyYE8UeUJaqRMeVoBeDQg"

    @Test func knownAnswerFromSecondImplementation() throws {
        let sealer = try CookieSealer(secrets: [Fixture.secret], purpose: .session, random: FixedRandom(byte: 0))
        #expect(sealer.seal(Array(#"{"hello":"world"}"#.utf8), cookieName: "_gatehouse") == pythonVector)
        #expect(sealer.open(pythonVector, cookieName: "_gatehouse") == Array(#"{"hello":"world"}"#.utf8))
    }

    @Test func freshNonceEverySeal() throws {
        let sealer = try CookieSealer(secrets: [Fixture.secret], purpose: .session)
        let a = sealer.seal([1, 2, 3], cookieName: "c"), b = sealer.seal([1, 2, 3], cookieName: "c")
        #expect(a != b)
        #expect(sealer.open(a, cookieName: "c") == [1, 2, 3] && sealer.open(b, cookieName: "c") == [1, 2, 3])
    }

    @Test func wrongNamePurposeOrKeyIsNoSession() throws {
        let session = try CookieSealer(secrets: [Fixture.secret], purpose: .session)
        let login = try CookieSealer(secrets: [Fixture.secret], purpose: .login)
        let other = try CookieSealer(secrets: [Fixture.otherSecret], purpose: .session)
        let value = session.seal([42], cookieName: "_gatehouse")
        #expect(session.open(value, cookieName: "_other") == nil)
        #expect(login.open(value, cookieName: "_gatehouse") == nil)
        #expect(other.open(value, cookieName: "_gatehouse") == nil)
    }

    @Test func tamperedTruncatedAndGarbageValues() throws {
        let sealer = try CookieSealer(secrets: [Fixture.secret], purpose: .session)
        let value = sealer.seal(Array("payload".utf8), cookieName: "c")
        var chars = Array(value)
        for i in chars.indices {
            let saved = chars[i]
            chars[i] = saved == "A" ? "B" : "A"
            #expect(sealer.open(String(chars), cookieName: "c") == nil, "byte \(i) changed")
            chars[i] = saved
        }
        for cut in [1, 5, 20, value.count - 1] {
            #expect(sealer.open(String(value.prefix(cut)), cookieName: "c") == nil)
        }
        for garbage in ["", "=", "%%%", "AAAA", String(repeating: "A", count: 100_000), "Zm9v.YmFy", "\u{0}\u{1}"] {
            #expect(sealer.open(garbage, cookieName: "c") == nil)
        }
    }

    @Test func rotationNewestSealsEveryOneOpens() throws {
        let old = try CookieSealer(secrets: [Fixture.otherSecret], purpose: .session)
        let rotated = try CookieSealer(secrets: [Fixture.secret, Fixture.otherSecret], purpose: .session)
        let newOnly = try CookieSealer(secrets: [Fixture.secret], purpose: .session)
        let oldCookie = old.seal([7], cookieName: "c")
        #expect(rotated.open(oldCookie, cookieName: "c") == [7])
        let newCookie = rotated.seal([8], cookieName: "c")
        #expect(newOnly.open(newCookie, cookieName: "c") == [8])
        #expect(old.open(newCookie, cookieName: "c") == nil)
    }
}

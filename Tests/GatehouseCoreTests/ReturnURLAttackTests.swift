@testable import GatehouseCore
import Foundation
import GatehouseCrypto
import Logging
import Testing

/// The return-URL attack corpus (Tests/corpus/return-urls.json, made by make_return_urls.py) through every
/// route that redirects to a caller-chosen place: login start (stored, then used by the callback), logout
/// (directly and as the provider's post_logout_redirect_uri), and the auth check's login link. Each Location
/// is judged by `BrowserView`, an independent model of how a browser resolves it, not by ReturnURL itself.
enum ReturnURLCorpus {
    struct Entry: Decodable, Sendable, CustomTestStringConvertible {
        let `class`: String
        let url: String
        var testDescription: String { "\(`class`): \(url.debugDescription.prefix(80))" }
    }
    struct File: Decodable { let allowed_hosts: [String]; let allowed: [String]; let attacks: [Entry] }

    static let file: File = {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("corpus/return-urls.json")
        guard let data = FileManager.default.contents(atPath: path.path),
              let file = try? JSONDecoder().decode(File.self, from: data) else { fatalError("cannot read \(path.path)") }
        return file
    }()
    static var attacks: [Entry] { file.attacks }
    static var allowed: [String] { file.allowed }
}

/// Where a browser on https://app.example.com/page goes for a `Location` value, modelled on the WHATWG URL
/// parser's forgiving steps: outer C0/space trimmed, tab/CR/LF removed, `\` read as `/`, any run of slashes
/// before an http(s) authority, userinfo up to the last `@`, percent-decoded host. Nil host = same origin.
enum BrowserView {
    enum Target: Equatable { case sameOrigin, host(scheme: String, host: String), otherScheme(String) }

    static func target(of location: String) -> Target {
        var s = Array(location.unicodeScalars)
        while let f = s.first, f.value <= 0x20 { s.removeFirst() }
        while let l = s.last, l.value <= 0x20 { s.removeLast() }
        s.removeAll { $0 == "\t" || $0 == "\n" || $0 == "\r" }
        let text = String(String.UnicodeScalarView(s.map { $0 == "\\" ? "/" : $0 }))
        if let colon = text.firstIndex(of: ":"), let first = text.unicodeScalars.first, first.properties.isAlphabetic,
           text[..<colon].unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || "0123456789+-.".unicodeScalars.contains($0)) }) {
            let scheme = text[..<colon].lowercased()
            guard scheme == "http" || scheme == "https" else { return .otherScheme(scheme) }
            return .host(scheme: scheme, host: host(afterSlashes: String(text[text.index(after: colon)...])))
        }
        if text.hasPrefix("//") { return .host(scheme: "https", host: host(afterSlashes: text)) }
        return .sameOrigin
    }

    static func host(afterSlashes rest: String) -> String {
        let authority = rest.drop { $0 == "/" }.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        var host = authority.lastIndex(of: "@").map { authority[authority.index(after: $0)...] } ?? authority
        if !host.hasPrefix("["), let colon = host.lastIndex(of: ":") { host = host[..<colon] }
        let decoded = host.removingPercentEncoding ?? String(host)
        // IDNA maps these dots to `.` (the slashes would make the host invalid: refused anyway).
        return decoded.lowercased().replacingOccurrences(of: "\u{3002}", with: ".").replacingOccurrences(of: "\u{FF0E}", with: ".")
    }

    static func isAllowed(_ location: String, hosts: [String] = ReturnURLCorpus.file.allowed_hosts) -> Bool {
        switch target(of: location) {
        case .sameOrigin: return true
        case .otherScheme: return false
        case .host(_, let host):
            return hosts.contains { $0.hasPrefix(".") ? host == $0.dropFirst() || host.hasSuffix($0) : host == $0 }
        }
    }
}

@Suite struct ReturnURLAttackTests {
    let now = Fixture.now

    func config() -> GatehouseConfig {
        try! ConfigLoader.load(toml: """
        [auth]
        redirect_uri = "https://app.example.com/oauth2/callback"
        cookie_secret = "\(Fixture.secret)"
        client_id = "client-1"
        client_secret = "s3cret"
        server_metadata_url = "https://idp.example.com/.well-known/openid-configuration"
        [gatehouse]
        allowed_redirect_hosts = ["app.example.com", ".corp.example.net"]
        """).get()
    }

    func app(_ provider: FakeProvider) throws -> Gatehouse {
        try Gatehouse(config: config(), environment: GatehouseEnvironment(
            now: { Fixture.now }, random: SecureRandom(), logger: Logger(label: "test"), http: provider, verifier: FakeVerifier()))
    }

    /// start with `rd`, then the callback: the Location the browser is finally sent to.
    func loginReturn(_ rd: String) throws -> String {
        let provider = FakeProvider()
        let app = try app(provider)
        let start = app.handle(Fixture.request("/oauth2/start", query: "rd=" + PercentEncoding.encode(rd)))
        #expect(start.status == 302)
        let authorize = try #require(start.header("Location"))
        #expect(authorize.hasPrefix("https://idp.example.com/authorize?"), "login start goes to the provider only")
        let q = QueryParameters(parsing: authorize.split(separator: "?", maxSplits: 1)[1])
        let loginCookie = try #require(start.headers(named: "Set-Cookie").first { $0.contains("_login_") }).split(separator: ";")[0]
        provider.answerTokens(idToken: FakeProvider.token(provider.claims(nonce: q["nonce"]!, now: now)))
        let done = app.handle(Fixture.request("/oauth2/callback", cookie: String(loginCookie), query: "code=abc&state=\(q["state"]!)"))
        #expect(done.status == 302)
        #expect(done.headers(named: "Set-Cookie").contains { $0.hasPrefix("_gatehouse=") }, "the login itself succeeded")
        return try #require(done.header("Location"))
    }

    @Test func corpusIsLargeAndCoversEveryClass() {
        #expect(ReturnURLCorpus.attacks.count >= 300)
        let classes = Set(ReturnURLCorpus.attacks.map(\.class))
        for c in ["protocol-relative", "backslash", "mixed-slashes", "percent-encoding", "control-bytes", "userinfo",
                  "look-alike-host", "other-scheme", "very-long", "unicode-slash"] {
            #expect(classes.contains(c), "class \(c)")
        }
    }

    @Test(arguments: ReturnURLCorpus.attacks)
    func validatorNeverAllowsAnOffListTarget(_ entry: ReturnURLCorpus.Entry) {
        let result = ReturnURL(allowedHosts: ReturnURLCorpus.file.allowed_hosts).validate(entry.url)
        #expect(result == "/" || result == entry.url)
        #expect(BrowserView.isAllowed(result), "validated to \(result.debugDescription)")
    }

    @Test(arguments: ReturnURLCorpus.attacks)
    func callbackNeverReturnsOffList(_ entry: ReturnURLCorpus.Entry) throws {
        let location = try loginReturn(entry.url)
        #expect(BrowserView.isAllowed(location), "callback sent the browser to \(location.debugDescription)")
    }

    @Test(arguments: ReturnURLCorpus.attacks)
    func logoutNeverRedirectsOffList(_ entry: ReturnURLCorpus.Entry) throws {
        let provider = FakeProvider()
        let app = try app(provider)
        // Without a session: straight to the return URL.
        let plain = app.handle(Fixture.request("/oauth2/sign_out", query: "rd=" + PercentEncoding.encode(entry.url)))
        #expect(plain.status == 302)
        let location = try #require(plain.header("Location"))
        #expect(BrowserView.isAllowed(location), "logout sent the browser to \(location.debugDescription)")
        // With a session: via the provider's end_session_endpoint, whose post_logout_redirect_uri is checked.
        var session = Fixture.diana
        session.idToken = "id.token.hint"
        let cookie = try Fixture.cookieHeader(for: session, config: config())
        let viaProvider = app.handle(Fixture.request("/oauth2/sign_out", cookie: cookie, query: "rd=" + PercentEncoding.encode(entry.url)))
        let end = try #require(viaProvider.header("Location"))
        #expect(end.hasPrefix("https://idp.example.com/logout?"))
        let back = try #require(QueryParameters(parsing: end.split(separator: "?", maxSplits: 1)[1])["post_logout_redirect_uri"])
        #expect(BrowserView.isAllowed(back), "post_logout_redirect_uri \(back.debugDescription)")
    }

    @Test(arguments: ReturnURLCorpus.attacks)
    func authCheckLoginLinkStaysOnSite(_ entry: ReturnURLCorpus.Entry) throws {
        let r = try app(FakeProvider()).handle(Fixture.request(uri: entry.url))
        #expect(r.status == 401, "an original URI never makes the check pass")
        let location = try #require(r.header("Location"))
        #expect(location.hasPrefix("/oauth2/start?rd="))
        let rd = try #require(QueryParameters(parsing: location.split(separator: "?", maxSplits: 1)[1])["rd"])
        #expect(BrowserView.isAllowed(rd), "login link carries \(rd.debugDescription)")
    }

    @Test(arguments: ReturnURLCorpus.allowed)
    func allowedTargetsAreKeptThroughTheWholeLogin(_ url: String) throws {
        #expect(try loginReturn(url) == url)
    }

    @Test func theOracleItselfSeesTheTricks() {
        #expect(!BrowserView.isAllowed("/\\evil.com") && !BrowserView.isAllowed("/\t/evil.com") && !BrowserView.isAllowed("https:evil.com"))
        #expect(!BrowserView.isAllowed("https://app.example.com@evil.com/") && !BrowserView.isAllowed("javascript:alert(1)"))
        #expect(!BrowserView.isAllowed("https://evilcorp.example.net/") && BrowserView.isAllowed("https://a.corp.example.net/"))
        #expect(BrowserView.isAllowed("/page") && BrowserView.isAllowed("https://app.example.com/x"))
    }
}

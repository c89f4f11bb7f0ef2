@testable import GatehouseCore
import Foundation
import GatehouseCrypto
import Testing

/// Gatehouse's pages through `Gatehouse.handle`: the brand of `[gatehouse.pages]` (every value escaped or refused at
/// load), the CSP that allows exactly the one stylesheet, the ways on from each page, JSON for API calls.
@Suite struct PagesTests {
    static let api = ["Accept": "application/json", "Sec-Fetch-Mode": "cors"]
    static let nav = ["Sec-Fetch-Mode": "navigate", "Sec-Fetch-Site": "same-origin"]

    func text(_ r: Response) -> String { String(decoding: r.body, as: UTF8.self) }

    func problems(_ pages: String) -> [String: String] {
        let toml = """
        [auth]
        cookie_secret = "\(Fixture.secret)"
        [gatehouse.pages]
        \(pages)
        """
        guard case .failure(let error) = ConfigLoader.load(toml: toml) else { return [:] }
        return Dictionary(error.problems.map { ($0.keyPath, $0.message) }, uniquingKeysWith: { a, _ in a })
    }

    func page(_ path: String, _ extra: String = "", headers: [String: String] = nav, query: String? = nil, cookie: String? = nil) throws -> Response {
        try Fixture.app(Fixture.config(extra)).handle(Fixture.request(path, uri: path + (query.map { "?" + $0 } ?? ""), cookie: cookie,
                                                                      headers: headers, query: query))
    }

    // MARK: the brand, escaped or refused

    @Test func theSiteNameIsTheRedirectHostUnlessNamedAndIsEscaped() throws {
        #expect(text(try page("/oauth2/signed_out")).contains("You have signed out of app.example.com."))
        let named = text(try page("/oauth2/signed_out", "[gatehouse.pages]\nsite_name = \"<script>alert(1)</script> & Co\""))
        #expect(named.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co") && !named.contains("<script>"))
    }

    @Test func brandValuesAreCheckedAtLoad() {
        let p = problems("""
        site_name = "two\\nlines"
        logo_url = "javascript:alert(1)"
        accent_color = "red; background: url(x)"
        footer_html = "<script>x</script>"
        """)
        #expect(Set(p.keys) == ["gatehouse.pages.site_name", "gatehouse.pages.logo_url", "gatehouse.pages.accent_color", "gatehouse.pages.footer_html"])
        #expect(p["gatehouse.pages.footer_html"]?.contains("<script> is not allowed") == true)
        #expect(problems("logo_url = \"//evil.example/logo.png\"").keys.contains("gatehouse.pages.logo_url"), "scheme-relative is another site")
        #expect(problems("logo_url = \"http://cdn.example.com/logo.png\"").keys.contains("gatehouse.pages.logo_url"), "mixed content")
        #expect(problems("logo_url = \"/logo\\\" onerror=\\\"alert(1)\"").keys.contains("gatehouse.pages.logo_url"))
        #expect(problems("colour = \"#000\"").keys.contains("gatehouse.pages.colour"), "unknown keys are problems")
    }

    @Test(arguments: ["#ffff00", "#aaa", "#7f7f7f"])
    func accentColoursTooLightForTextAreRefused(color: String) {
        #expect(problems("accent_color = \"\(color)\"")["gatehouse.pages.accent_color"]?.contains("4.5:1") == true)
    }

    @Test func accentColoursGetReadableVariants() throws {
        let teal = try #require(AccentColor(hex: "#0F766E"))
        #expect(teal.hex == "#0f766e" && AccentColor(hex: "#15d")?.hex == "#1155dd")
        #expect(AccentColor(hex: "#12345") == nil && AccentColor(hex: "0f766e") == nil && AccentColor(hex: "#0f766g") == nil)
        #expect(abs(AccentColor.lightCard.contrast(with: AccentColor(red: 0, green: 0, blue: 0)) - 21) < 0.01)
        for color in [teal, .default, AccentColor(hex: "#000000")!, AccentColor(hex: "#6b21a8")!] {
            #expect(color.contrast(with: color.buttonText) >= AccentColor.minimumContrast, "button text on \(color.hex)")
            let dark = color.forDarkCard
            #expect(dark.contrast(with: AccentColor.darkCard) >= AccentColor.minimumContrast, "links on the dark card from \(color.hex)")
            #expect(dark.contrast(with: dark.buttonText) >= AccentColor.minimumContrast, "dark button text from \(color.hex)")
        }
        let css = try Fixture.app(Fixture.config("[gatehouse.pages]\naccent_color = \"#0f766e\"")).pages.css
        #expect(css.contains("--accent:#0f766e;--on-accent:#ffffff"))
    }

    @Test func theFooterIsRewrittenFromWhatItMayHold() throws {
        let footer = #"Help: <a href="https://help.example.com/?a=1&amp;b=2">desk</a> &#183; <strong>bold</strong><br><small>&copy; X &amp; Y</small>"#
        guard case .success(let parsed) = FooterHTML.parse(footer) else { Issue.record("refused"); return }
        #expect(parsed.html == #"Help: <a href="https://help.example.com/?a=1&amp;b=2">desk</a> · <strong>bold</strong><br><small>© X &amp; Y</small>"#)
        let refused = [
            #"<a href="javascript:alert(1)">x</a>"#, #"<a href="/x" onclick="y">x</a>"#, #"<a href='/x'>x</a>"#, "<img src=x>",
            "<strong>open", "</em>", "a < b", "a > b", "AT&T", "&bogus;", "&#0;", #"<a href="/x">x</a"#, "<style>", "<STRONG>x</strong><em>",
            #"<a href="/x"><script>1</script></a>"#, String(repeating: "x", count: 2001),
        ]
        for text in refused {
            guard case .failure = FooterHTML.parse(text) else { Issue.record("accepted: \(text)"); continue }
        }
        let page = text(try page("/oauth2/signed_out", "[gatehouse.pages]\nfooter_html = '<em>Hi</em> &lt;there&gt;'"))
        #expect(page.contains("<footer><em>Hi</em> &lt;there&gt;</footer>"))
    }

    // MARK: one stylesheet, a strict CSP, no icon request

    @Test func everyPageCarriesAPolicyThatAllowsOnlyItsOwnStylesheet() throws {
        let app = try Fixture.app(Fixture.config("[gatehouse.pages]\nlogo_url = \"https://cdn.example.com/brand/logo.svg\""))
        let r = app.handle(Fixture.request("/oauth2/signed_out", headers: Self.nav))
        let body = text(r)
        let css = try #require(body.split(separator: "<style>").last?.split(separator: "</style>").first)
        let hash = HTMLPage.base64(Digest.sha256(Array(css.utf8)))
        #expect(r.header("Content-Security-Policy") == "default-src 'none'; style-src 'sha256-\(hash)'; img-src data: https://cdn.example.com; base-uri 'none'; frame-ancestors 'none'")
        #expect(r.header("X-Frame-Options") == "DENY" && r.header("X-Content-Type-Options") == "nosniff")
        #expect(body.contains(#"<html lang="en">"#) && body.contains(#"<link rel="icon" href="data:,">"#) && body.contains("prefers-color-scheme:dark"))
        #expect(body.contains(#"<img src="https://cdn.example.com/brand/logo.svg" alt="app.example.com">"#))
        #expect(!body.contains("<script"))
        let own = try Fixture.app(Fixture.config("[gatehouse.pages]\nlogo_url = \"/logo.svg\"")).handle(Fixture.request("/oauth2/signed_out", headers: Self.nav))
        #expect(own.header("Content-Security-Policy")?.contains("img-src data: 'self';") == true)
    }

    // MARK: ways on

    @Test func signOutWithoutRdEndsOnTheSignedOutPage() throws {
        // No end_session_endpoint reachable here: the provider's session lives on, and the page says so.
        let out = try page("/oauth2/sign_out", cookie: try Fixture.cookieHeader())
        #expect(out.status == 302 && out.header("Location") == "/oauth2/signed_out?provider_session=kept")
        let page = try self.page("/oauth2/signed_out", query: "provider_session=kept")
        #expect(page.status == 200 && text(page).contains("You are signed out") && text(page).contains("may still remember you"))
        #expect(text(page).contains(#"<a class="button" href="/oauth2/start?rd=%2F">Sign in again</a>"#))
        let kept = try self.page("/oauth2/sign_out", query: "rd=%2Fbye", cookie: try Fixture.cookieHeader())
        #expect(kept.header("Location") == "/bye", "an explicit rd is still honoured")
    }

    @Test func aFailedSignInOffersToSignInAgainToThePageAskedFor() throws {
        let r = try page("/oauth2/start", query: "provider=nope&rd=%2Freports%3Fq%3D1")
        #expect(r.status == 400 && text(r).contains("Error 400"))
        #expect(text(r).contains(#"<a class="button" href="/oauth2/start?rd=%2Freports%3Fq%3D1">Sign in again</a>"#))
        #expect(text(r).contains(#"<a href="/">Home page</a>"#))
    }

    @Test func notFoundHasAWayOut() throws {
        let r = try page("/oauth2/nothing")
        #expect(r.status == 404 && text(r).contains("Error 404") && text(r).contains(#"<a class="button" href="/">Go to the home page</a>"#))
    }

    @Test func theForbiddenPageNeverOffersOnlyItself() throws {
        let config = Fixture.config("[gatehouse.providers.default]\ndisplay_name = \"Example SSO\"")
        let app = try Fixture.app(config)
        let cookie = try Fixture.cookieHeader(config: config)
        let root = text(app.handle(Fixture.request("/oauth2/forbidden", uri: "/", cookie: cookie, headers: Self.nav)))
        #expect(!root.contains("Home page") && root.contains(#"<a href="/oauth2/sign_out">Sign out</a>"#))
        #expect(root.contains("Sign out and use another account") && root.contains("Error 403"))
        let deeper = text(app.handle(Fixture.request("/oauth2/forbidden", uri: "/admin/", cookie: cookie, headers: Self.nav)))
        #expect(deeper.contains(#"<a href="/">Home page</a>"#))
    }

    @Test func providerButtonsShowTheirDisplayNames() throws {
        let toml = """
        [auth]
        cookie_secret = "\(Fixture.secret)"
        redirect_uri = "https://app.example.com/oauth2/callback"
        [auth.work]
        client_id = "w"
        client_secret = "w"
        server_metadata_url = "https://idp.example.com/.well-known/openid-configuration"
        [auth.partner]
        client_id = "p"
        client_secret = "p"
        server_metadata_url = "https://idp.example.com/.well-known/openid-configuration"
        [gatehouse.providers.work]
        display_name = "Example Corp <SSO>"
        """
        let app = try Fixture.app(try ConfigLoader.load(toml: toml).get())
        let chooser = text(app.handle(Fixture.request("/oauth2/start", headers: Self.nav, query: "rd=%2Fx")))
        #expect(chooser.contains("<h1>Sign in to app.example.com</h1>"))
        #expect(chooser.contains(#"<a class="button" href="/oauth2/start?provider=work&amp;rd=%2Fx">Sign in with Example Corp &lt;SSO&gt;</a>"#))
        #expect(chooser.contains(">Sign in with Partner</a>"))
        #expect(chooser.range(of: "Example Corp")!.lowerBound < chooser.range(of: "Partner")!.lowerBound, "ordered by display name")
    }

    // MARK: API calls get JSON with the status

    @Test func apiCallsGetJSONWithTheStatus() throws {
        let check = try Fixture.app().handle(Fixture.request(headers: Self.api))
        #expect(check.status == 401 && check.header("Content-Type") == "application/json" && check.header("WWW-Authenticate") != nil)
        #expect(text(check) == #"{"error":"unauthenticated","error_description":"Sign in first: this request carries no valid session.","status":401}"#)
        let denied = try page("/oauth2/forbidden", headers: Self.api, cookie: try Fixture.cookieHeader())
        #expect(denied.status == 403 && text(denied).contains(#""error":"forbidden""#) && text(denied).contains(#""status":403"#))
        let missing = try page("/oauth2/nothing", headers: Self.api)
        #expect(missing.status == 404 && text(missing).contains(#""error":"not_found""#) && missing.header("X-Correlation-Id") != nil)
    }
}

/// `[gatehouse.pages] templates`: the operator's `page.mustache`, every placeholder escaped, the forms that would
/// not escape refused at load, its `<style>` blocks allowed by hash.
@Suite struct PageTemplateTests {
    static let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../examples/pages/page.mustache")

    func config(_ template: String) -> Result<GatehouseConfig, ConfigError> {
        let toml = """
        [auth]
        cookie_secret = "\(Fixture.secret)"
        redirect_uri = "https://app.example.com/oauth2/callback"
        [gatehouse.pages]
        templates = "/etc/gatehouse/pages"
        site_name = "<b>Bold</b> & Co"
        """
        return ConfigLoader.load(toml: toml, environment: ConfigEnvironment(readFile: { $0 == "/etc/gatehouse/pages/page.mustache" ? template : nil }))
    }

    @Test(arguments: ["{{{title}}}", "{{&title}}", "{{ &title}}", "{{=<% %>=}}<%{title}%>", "{{%CONTENT_TYPE:TEXT}}{{title}}",
                      "<style>h1{color:{{accent}}}</style>", "{{#title}}"])
    func templatesThatCouldWriteAValueUnescapedAreRefused(template: String) {
        guard case .failure(let error) = config(template) else { Issue.record("accepted: \(template)"); return }
        #expect(error.problems.map(\.keyPath) == ["gatehouse.pages.templates"])
    }

    @Test func anUnreadableTemplateIsAProblem() {
        let toml = "[auth]\ncookie_secret = \"\(Fixture.secret)\"\n[gatehouse.pages]\ntemplates = \"/nowhere\""
        guard case .failure(let error) = ConfigLoader.load(toml: toml) else { Issue.record("accepted"); return }
        #expect(error.problems.first?.message == "cannot read /nowhere/page.mustache")
    }

    @Test func theShippedExampleRendersEveryValueEscapedUnderItsOwnPolicy() throws {
        let text = try String(contentsOf: Self.example, encoding: .utf8)
        let app = try Fixture.app(try config(text).get())
        let r = app.handle(Fixture.request("/oauth2/nothing", headers: PagesTests.nav))
        let page = String(decoding: r.body, as: UTF8.self)
        #expect(r.status == 404)
        #expect(page.contains("<span>&lt;b&gt;Bold&lt;/b&gt; &amp; Co</span>") && !page.contains("<b>Bold"))
        #expect(page.contains(#"<p class="status">Error 404</p>"#) && page.contains("<h1>Page not found</h1>"))
        #expect(page.contains(#"<a class="button" href="/">Go to the home page</a>"#) && page.contains("Reference: "))
        #expect(page.contains("<style>:root{color-scheme:light dark;") && !page.contains(#"<p class="links">"#))
        let policy = try #require(r.header("Content-Security-Policy"))
        for block in PageTemplate.styleBlocks(in: page) {
            #expect(policy.contains("'sha256-\(HTMLPage.base64(Digest.sha256(Array(block.utf8))))'"), "every <style> of the page is allowed")
        }
        #expect(PageTemplate.styleBlocks(in: page).count == 2 && policy.contains("img-src data: 'self';"))
        let denied = String(decoding: app.handle(Fixture.request("/oauth2/forbidden", uri: "/admin/", cookie: try Fixture.cookieHeader(config: app.config),
                                                                 headers: PagesTests.nav)).body, as: UTF8.self)
        #expect(denied.contains(#"<p class="links"><a href="/">Home page</a>"#))
    }
}

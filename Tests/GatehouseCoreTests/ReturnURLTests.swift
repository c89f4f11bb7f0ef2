@testable import GatehouseCore
import Testing

@Suite struct ReturnURLTests {
    let validator = ReturnURL(allowedHosts: ["app.example.com", ".corp.example.net"])

    @Test(arguments: [
        "/", "/page", "/a/b?x=1&y=%2F", "/search?q=a%20b#top",
        "https://app.example.com/x", "http://app.example.com:8080/", "https://corp.example.net/", "https://wiki.corp.example.net/p?q=1",
    ])
    func allowed(_ url: String) {
        #expect(validator.validate(url) == url)
    }

    @Test(arguments: [
        "//evil.com", "//evil.com/x", "/\\evil.com", "\\\\evil.com", "/%2Fevil.com", "/%2f%2fevil.com", "/%252F%252Fevil.com",
        "/%5Cevil.com", "https://evil.com/", "https://app.example.com.evil.com/", "https://evilapp.example.com/",
        "https://app.example.com@evil.com/", "https://evil.com@app.example.com/", "https://evil.com\\@app.example.com/",
        "javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,x", "ftp://app.example.com/", "/\t/evil.com", "/\r\n/evil.com",
        "\u{0}/", " /x", "/x y", "https://xcorp.example.net/", "https:/evil.com", "https:evil.com", "/\u{FF0F}evil.com",
        "\u{FF0F}\u{FF0F}evil.com", "evil.com", "./x", "%2F%2Fevil.com", "", String(repeating: "/a", count: 3000),
        "https://app.example.com%2F@evil.com/", "http://[::1]/", "https://[app.example.com]/", "https://app.example.com\t.evil.com/",
    ])
    func refusedFallsBackToRoot(_ url: String) {
        #expect(validator.validate(url) == "/")
    }

    @Test func missingIsRoot() {
        #expect(validator.validate(nil) == "/")
    }
}

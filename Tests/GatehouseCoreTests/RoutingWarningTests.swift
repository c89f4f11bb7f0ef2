@testable import GatehouseCore
import Testing

/// `check-config` and `serve` say when the shipped web-server configs would not route a configured path.
@Suite struct RoutingWarningTests {
    func config(redirect: String, prefix: String? = nil) -> GatehouseConfig {
        Fixture.config(prefix.map { "prefix = \"\($0)\"" } ?? "").withRedirect(redirect)
    }

    @Test(arguments: ["https://app.example.com/oauth2/callback", "https://app.example.com:8443/oauth2callback"])
    func shippedPathsNeedNothing(uri: String) {
        #expect(config(redirect: uri).routingWarnings.isEmpty)
    }

    @Test func anotherCallbackPathSaysWhatToAdd() throws {
        let warnings = config(redirect: "https://app.example.com/auth/return").routingWarnings
        #expect(warnings.count == 1)
        let w = try #require(warnings.first)
        #expect(w.contains("/auth/return") && w.contains("location = /auth/return") && w.contains("<Location \"/auth/return\">"))
    }

    @Test func anotherPrefixSaysWhichFilesToChange() {
        let warnings = config(redirect: "https://app.example.com/sso/callback", prefix: "/sso").routingWarnings
        #expect(warnings.count == 1 && warnings[0].contains("prefix /sso"))
    }
}

@testable import GatehouseCore
import Foundation
import Testing

/// Keeps docs/configuration.md and the loader in step: every key the loader knows is documented.
@Suite struct ConfigDocTests {
    @Test func everyGatehouseKeyIsDocumented() throws {
        let doc = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs/configuration.md")
        let text = try String(contentsOf: doc, encoding: .utf8)
        for key in ConfigReader.gatehouseKeys {
            let documented = text.contains("| `\(key)` |") || text.contains("`[gatehouse.\(key)]`") || text.contains("`[gatehouse.\(key).<name>]`")
            #expect(documented, "gatehouse.\(key) is not in docs/configuration.md")
        }
        for key in ["redirect_uri", "cookie_secret", "client_id", "client_secret", "server_metadata_url", "client_kwargs", "expose_tokens"] {
            #expect(text.contains("| `\(key)` |"), "auth.\(key) is not in docs/configuration.md")
        }
    }
}

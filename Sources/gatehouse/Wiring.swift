import Foundation
import GatehouseCore
import GatehouseCrypto
import Logging

/// Puts the parts together: the only place that knows every module.
enum Wiring {
    static func makeApp(config: GatehouseConfig, logger: Logger, store: (any StateStore)?) throws -> Gatehouse {
        let environment = GatehouseEnvironment(now: { Int64(Date().timeIntervalSince1970) }, random: SecureRandom(), logger: logger,
                                               http: CurlOutbound(config: config.provider), verifier: CjoseVerifier())
        return try Gatehouse(config: config, environment: environment, store: store)
    }
}

enum Secrets {
    static func newCookieSecret() -> String { Base64URL.encode(SecureRandom().bytes(32)) }
}

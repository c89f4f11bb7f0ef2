import Foundation
import GatehouseCore
import GatehouseCrypto
import Logging

/// Puts the parts together: the only place that knows every module.
enum Wiring {
    /// `metrics`: the process's one Prometheus registry (every core a reload builds counts into it).
    /// `previous`: the core a reload replaces.
    static func makeApp(config: GatehouseConfig, logger: Logger, store: (any StateStore)?, metrics: Metrics,
                        succeeding previous: Gatehouse? = nil) throws -> Gatehouse {
        let environment = GatehouseEnvironment(now: { Int64(Date().timeIntervalSince1970) }, random: SecureRandom(), logger: logger,
                                               http: CurlOutbound(config: config.provider), verifier: CjoseVerifier(),
                                               metrics: metrics.core, exposition: metrics.backend)
        return try Gatehouse(config: config, environment: environment, store: store, succeeding: previous)
    }

    /// The metrics of one process: the Prometheus registry and the core's series made in it once.
    struct Metrics: Sendable {
        let backend: PrometheusBackend
        let core: GatehouseMetrics

        init() {
            backend = PrometheusBackend()
            core = GatehouseMetrics(factory: backend.factory)
        }
    }
}

enum Secrets {
    static func newCookieSecret() -> String { Base64URL.encode(SecureRandom().bytes(32)) }
}

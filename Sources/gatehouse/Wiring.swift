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
    /// `enabled: false` (`serve --no-metrics`): no registry, the core's series are no-ops and `<prefix>/metrics`
    /// answers 404; what the metrics cost the check is measured against it (`bench/run`, `gh-valid-nometrics`).
    struct Metrics: Sendable {
        let backend: PrometheusBackend?
        let core: GatehouseMetrics

        init(enabled: Bool = true) {
            backend = enabled ? PrometheusBackend() : nil
            core = backend.map { GatehouseMetrics(factory: $0.factory) } ?? GatehouseMetrics()
        }
    }
}

enum Secrets {
    static func newCookieSecret() -> String { Base64URL.encode(SecureRandom().bytes(32)) }
}

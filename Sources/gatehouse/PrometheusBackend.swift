import GatehouseCore
import Prometheus

/// The Prometheus backend of the core's metrics: one registry per process, handed to every core a reload builds
/// (through `GatehouseEnvironment.metrics`), and rendered in Prometheus's text format for `<prefix>/metrics`.
struct PrometheusBackend: MetricsExposition {
    let registry = PrometheusCollectorRegistry()

    /// The factory with buckets that fit what is timed: a check takes tens of microseconds, a provider call
    /// milliseconds to seconds (up to the provider's `total_timeout`).
    var factory: PrometheusMetricsFactory {
        var f = PrometheusMetricsFactory(registry: registry)
        f.durationHistogramBuckets[GatehouseMetrics.Name.checkDuration] = [
            .microseconds(25), .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500),
            .milliseconds(1), .milliseconds(2.5), .milliseconds(5), .milliseconds(10), .milliseconds(50),
        ]
        f.durationHistogramBuckets[GatehouseMetrics.Name.providerCallDuration] = [
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
            .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30),
        ]
        return f
    }

    /// The text exposition format, version 0.0.4.
    var contentType: String { "text/plain; version=0.0.4; charset=utf-8" }

    func render() -> [UInt8] { registry.emitToBuffer() }
}

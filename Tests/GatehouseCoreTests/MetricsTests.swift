@testable import GatehouseCore
import Logging
import Prometheus
import Testing

/// What `Gatehouse.handle` counts, read back from a real swift-prometheus registry (the executable's backend),
/// and what `<prefix>/metrics` serves.
@Suite struct MetricsTests {
    struct Exposition: MetricsExposition {
        let registry: PrometheusCollectorRegistry
        var contentType: String { "text/plain; version=0.0.4; charset=utf-8" }
        func render() -> [UInt8] { registry.emitToBuffer() }
    }

    func app(_ registry: PrometheusCollectorRegistry, _ extra: String = "", metrics: GatehouseMetrics? = nil,
             previous: Gatehouse? = nil) throws -> Gatehouse {
        let metrics = metrics ?? GatehouseMetrics(factory: PrometheusMetricsFactory(registry: registry))
        return try Gatehouse(config: Fixture.config(extra), environment: GatehouseEnvironment(
            now: { Fixture.now }, random: CountingRandom(), logger: Logger(label: "test"), metrics: metrics,
            exposition: Exposition(registry: registry)), succeeding: previous)
    }

    func line(_ text: String, _ prefix: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(prefix + " ") }.flatMap { Double($0.split(separator: " ").last!) }
    }

    @Test func checksAreCountedByRoleAndOutcomeWithTheirLatency() throws {
        let registry = PrometheusCollectorRegistry()
        let app = try app(registry, "[gatehouse.rules]\nallowed_groups = [\"admins\"]")
        let diana = try Fixture.cookieHeader()
        var outsider = Fixture.diana
        outsider.claims["groups"] = .array([.string("staff")])
        let staff = try Fixture.cookieHeader(for: outsider)
        #expect(app.handle(Fixture.request(cookie: diana)).status == 200)
        #expect(app.handle(Fixture.request(cookie: diana)).status == 200)
        #expect(app.handle(Fixture.request()).status == 401)
        #expect(app.handle(Fixture.request(cookie: staff)).status == 403)
        #expect(app.handle(Fixture.request(cookie: diana, role: .authorizer)).status == 200)
        // A location's broken rule is a 500, counted as an error.
        #expect(app.handle(Fixture.request("/oauth2/auth?allowed_nothing=x", cookie: diana)).status == 500)

        let text = registry.emitToString()
        #expect(line(text, #"gatehouse_checks_total{role="responder",outcome="allow"}"#) == 2)
        #expect(line(text, #"gatehouse_checks_total{role="responder",outcome="unauthenticated"}"#) == 1)
        #expect(line(text, #"gatehouse_checks_total{role="responder",outcome="forbidden"}"#) == 1)
        #expect(line(text, #"gatehouse_checks_total{role="responder",outcome="error"}"#) == 1)
        #expect(line(text, #"gatehouse_checks_total{role="authorizer",outcome="allow"}"#) == 1)
        #expect(line(text, #"gatehouse_checks_total{role="authorizer",outcome="forbidden"}"#) == 0)
        #expect(line(text, #"gatehouse_check_duration_seconds_count{role="responder"}"#) == 5)
        #expect(line(text, #"gatehouse_check_duration_seconds_count{role="authorizer"}"#) == 1)
    }

    @Test func theMetricsRouteServesTheTextAndIsNotACheck() throws {
        let registry = PrometheusCollectorRegistry()
        let app = try app(registry)
        _ = app.handle(Fixture.request())
        let r = app.handle(Fixture.request("/oauth2/metrics"))
        #expect(r.status == 200)
        #expect(r.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8")
        let text = String(decoding: r.body, as: UTF8.self)
        #expect(text.contains("# TYPE gatehouse_checks_total counter"))
        #expect(line(text, #"gatehouse_checks_total{role="responder",outcome="unauthenticated"}"#) == 1)
        #expect(line(text, "gatehouse_provider_slots_limit") == 12, "16 workers - 16/4")
        // Without a backend there is no such page.
        #expect(try Fixture.app().handle(Fixture.request("/oauth2/metrics")).status == 404)
    }

    @Test func aFailedCallbackIsAFailedLoginOfAnUnknownProvider() throws {
        let registry = PrometheusCollectorRegistry()
        let app = try app(registry)
        #expect(app.handle(Fixture.request("/oauth2/callback", uri: "/oauth2/callback?state=x&code=y")).status == 400)
        #expect(line(registry.emitToString(), #"gatehouse_logins_total{provider="unknown",outcome="bad_request"}"#) == 1)
    }

    @Test func aReloadedCoreCountsIntoTheSameSeriesAndKeepsTheProviderBudget() throws {
        let registry = PrometheusCollectorRegistry()
        let metrics = GatehouseMetrics(factory: PrometheusMetricsFactory(registry: registry))
        let first = try app(registry, metrics: metrics)
        _ = first.handle(Fixture.request())
        let second = try app(registry, metrics: metrics, previous: first)
        _ = second.handle(Fixture.request())
        #expect(line(registry.emitToString(), #"gatehouse_checks_total{role="responder",outcome="unauthenticated"}"#) == 2)
        #expect(second.providerSlots === first.providerSlots)
        #expect(second.callback.consumed === first.callback.consumed)
    }
}

@testable import GatehouseCore
import GatehouseCrypto
import Logging
import Testing

/// `<prefix>/health`: 200 with JSON whenever the process answers; the state store's reachability as the last sync
/// saw it, never a failure, and never the store's address.
@Suite struct HealthTests {
    let clock = TestClock(Fixture.now)

    func app(_ store: (any StateStore)?, _ extra: String = "") throws -> Gatehouse {
        let clock = self.clock
        return try Gatehouse(config: Fixture.config(extra), environment: GatehouseEnvironment(
            now: { clock.now }, random: CountingRandom(), logger: Logger(label: "test")), store: store)
    }

    func health(_ app: Gatehouse, path: String = "/oauth2/health") throws -> (Response, [String: JSONValue]) {
        let r = app.handle(Fixture.request(path))
        return (r, try #require(JSONText.parseObject(r.body)))
    }

    @Test func withoutAStoreItIsOKAndSaysSo() throws {
        let (r, body) = try health(try app(nil, #"state = "none""#))
        #expect(r.status == 200 && r.header("Content-Type") == "application/json" && r.header("Cache-Control") == "no-store")
        #expect(body == ["status": .string("ok"), "state_store": .object(["backend": .string("none")])])
    }

    @Test func reportsTheLastSyncAndAnUnreachableStoreWithoutFailing() throws {
        let store = MemoryStateStore()
        let app = try app(store)
        let lifecycle = try #require(app.lifecycle)

        var (r, body) = try health(app)
        #expect(r.status == 200 && body["status"] == .string("ok"))
        #expect(body["state_store"] == .object(["backend": .string("sqlite"), "reachable": .bool(false),
                                                "last_sync": .null, "seconds_since_sync": .null]))

        try lifecycle.sync(now: clock.now, full: true)
        (r, body) = try health(app)
        #expect(body["state_store"] == .object(["backend": .string("sqlite"), "reachable": .bool(true),
                                                "last_sync": .number(Double(Fixture.now)), "seconds_since_sync": .number(0)]))

        store.setDown(true)
        clock.advance(30)
        #expect(throws: StateStoreError.self) { try lifecycle.sync(now: clock.now) }
        (r, body) = try health(app)
        #expect(r.status == 200 && body["status"] == .string("ok"))
        #expect(body["state_store"] == .object(["backend": .string("sqlite"), "reachable": .bool(false),
                                                "last_sync": .number(Double(Fixture.now)), "seconds_since_sync": .number(30)]))

        store.setDown(false)
        try lifecycle.sync(now: clock.now)
        #expect(try health(app).1["state_store"]?.objectValue?["reachable"] == .bool(true))
    }

    @Test func neverShowsTheStoresAddress() throws {
        let (_, body) = try health(try app(MemoryStateStore(), #"state = "redis://cache.internal:6380/2""#))
        let text = String(decoding: JSONText.encode(JSONValue.object(body)), as: UTF8.self)
        #expect(body["state_store"]?.objectValue?["backend"] == .string("redis"))
        #expect(!text.contains("cache.internal") && !text.contains("6380"))
    }

    @Test func followsThePrefixAndIsNoCheck() throws {
        let app = try app(nil, "state = \"none\"\nprefix = \"/_auth\"")
        #expect(try health(app, path: "/_auth/health").0.status == 200)
        #expect(app.handle(Fixture.request("/oauth2/health")).status == 404)
        // In the Authorizer role every request is a check, whatever its path.
        #expect(app.handle(Fixture.request("/_auth/health", role: .authorizer)).status != 200)
    }
}

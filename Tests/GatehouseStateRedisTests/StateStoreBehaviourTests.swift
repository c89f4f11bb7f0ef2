import GatehouseCore
import GatehouseStateRedis
import StateStoreConformance
import Testing

/// What every `StateStore` must do (the shared checks of Tests/StateStoreConformance), run against Redis: each
/// check on two `RedisStateStore`s, two connections to one redis-server, as two Gatehouse machines would be.
/// The suite's init runs for every check, so each has a redis-server of its own (some need a store nobody else
/// writes to). What is particular to Redis is in `RedisStateStoreTests` and `RedisOutageTests`.
@Suite struct StateStoreBehaviourTests {
    let server: RedisServer

    init() throws {
        server = try RedisServer()
    }

    @Test(arguments: StateStoreConformance.checks)
    func conformance(_ check: StateStoreCheck) throws {
        try check.run { [server] in try server.store() }
    }
}

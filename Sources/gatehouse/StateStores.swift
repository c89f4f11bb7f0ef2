import GatehouseCore
import GatehouseStateRedis
import GatehouseStateSQLite

/// Opens the configured `[gatehouse] state`: nil for `none`.
enum StateStores {
    static func open(_ config: StateConfig) throws(StateStoreError) -> (any StateStore)? {
        switch config.backend {
        case .none: return nil
        case .sqlite(let path): return try SQLiteStateStore(path: path)
        // Connects at once: a process that starts while Redis is down exits (systemd restarts it), rather than
        // serve with no knowledge of revocations and let signed-out cookies in.
        case .redis(let host, let port, let database):
            return try RedisStateStore(host: host, port: port, database: database, password: config.password)
        }
    }
}

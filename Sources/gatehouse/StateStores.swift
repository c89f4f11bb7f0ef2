import GatehouseCore
import GatehouseStateSQLite

/// Opens the configured `[gatehouse] state`: nil for `none`.
enum StateStores {
    static func open(_ config: StateConfig) throws(StateStoreError) -> (any StateStore)? {
        switch config.backend {
        case .none: return nil
        case .sqlite(let path): return try SQLiteStateStore(path: path)
        case .redis: throw StateStoreError("redis is not built into this binary yet")
        }
    }
}

internal import GRDB
import GatehouseCore

/// A problem the store finds itself (not SQLite's), thrown inside a GRDB closure and turned into a
/// `StateStoreError` with the path by `StateStoreError.sqlite`.
struct SQLiteStoreProblem: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension StateStoreError {
    /// The one place a failure under `SQLiteStateStore` becomes a `StateStoreError`: the path, the operation and
    /// SQLite's own message with its extended result code. Never the SQL's arguments or a row (GRDB's decoding
    /// errors print rows, so other errors give only their type).
    static func sqlite(_ error: any Error, _ operation: String, path: String) -> StateStoreError {
        let detail: String
        switch error {
        case let error as DatabaseError:
            detail = "\(error.message ?? "SQLite error") (SQLite error \(error.extendedResultCode.rawValue))"
        case let error as SQLiteStoreProblem:
            detail = error.description
        case let error as StateStoreError:
            return error
        default:
            detail = "\(type(of: error))"
        }
        return StateStoreError("SQLite state store \(path): \(operation) failed: \(detail)")
    }
}

/// One reply of the Redis protocol (RESP2), copied out of hiredis's `redisReply` tree.
enum RedisReply: Equatable {
    /// A bulk string: binary-safe bytes.
    case string([UInt8])
    /// A simple string such as `OK` or `PONG`.
    case status(String)
    case integer(Int64)
    /// The null bulk string or array: no such key, or a condition (`SET … NX`) not met.
    case null
    case array([RedisReply])
    /// Redis refused the command (`-ERR …`, `-NOAUTH …`); the connection is still usable.
    case error(String)

    /// The reply, with a refusal turned into a thrown `RedisError` naming the command.
    @discardableResult
    func orThrow(_ command: String) throws(RedisError) -> RedisReply {
        if case .error(let message) = self { throw RedisError(.server, "\(command): \(message)") }
        return self
    }

    /// The bytes of a bulk string, nil for null; anything else is a protocol error.
    func bytesOrNull(_ command: String) throws(RedisError) -> [UInt8]? {
        switch try orThrow(command) {
        case .string(let bytes): bytes
        case .null: nil
        default: throw RedisError(.protocolError, "\(command) answered \(kindName)")
        }
    }

    func integer(_ command: String) throws(RedisError) -> Int64 {
        guard case .integer(let value) = try orThrow(command) else {
            throw RedisError(.protocolError, "\(command) answered \(kindName)")
        }
        return value
    }

    func array(_ command: String) throws(RedisError) -> [RedisReply] {
        guard case .array(let elements) = try orThrow(command) else {
            throw RedisError(.protocolError, "\(command) answered \(kindName)")
        }
        return elements
    }

    /// What kind of reply it is, for error messages (never its content: it may be a value).
    var kindName: String {
        switch self {
        case .string: "a string"
        case .status: "a status"
        case .integer: "an integer"
        case .null: "null"
        case .array: "an array"
        case .error: "an error"
        }
    }
}

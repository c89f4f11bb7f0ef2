import GatehouseCore

/// How state entries sit in Redis. One string key per entry, `gatehouse:<kind>:<key>`, expiring by Redis's own
/// clock at `expiresAt` (`SET … EXAT`). A write of a mirrored kind is announced as `<kind>:<key>` on the
/// channel `gatehouse:changes:<database>`: pub/sub channels are server-wide, so each database has its own.
enum RedisKeyspace {
    /// Every key Gatehouse writes starts with this.
    static let prefix = "gatehouse:"
    /// The change feed's channel, followed by the database number.
    static let channelPrefix = "gatehouse:changes:"

    static func redisKey(_ name: EntryName) -> [UInt8] {
        Array("\(prefix)\(name.kind.rawValue):\(name.key)".utf8)
    }

    /// The SCAN pattern matching every key of `kind` (kinds and the prefix hold no glob characters).
    static func pattern(_ kind: StateEntry.Kind) -> [UInt8] {
        Array("\(prefix)\(kind.rawValue):*".utf8)
    }

    /// The entry a key of `kind` (as SCAN returns it) names; nil for a key of another shape.
    static func entryName(_ redisKey: [UInt8], kind: StateEntry.Kind) -> EntryName? {
        let head = Array("\(prefix)\(kind.rawValue):".utf8)
        guard redisKey.count > head.count, redisKey.starts(with: head),
              let key = String(validating: redisKey[head.count...], as: UTF8.self)
        else { return nil }
        return EntryName(kind: kind, key: key)
    }

    static func channel(database: Int) -> [UInt8] { Array("\(channelPrefix)\(database)".utf8) }

    static func message(_ name: EntryName) -> [UInt8] { Array("\(name.kind.rawValue):\(name.key)".utf8) }

    /// The entry a change message names; nil for a message this version does not understand (a newer kind).
    static func entryName(message: [UInt8]) -> EntryName? {
        guard let colon = message.firstIndex(of: UInt8(ascii: ":")),
              let kindText = String(validating: message[..<colon], as: UTF8.self),
              let kind = StateEntry.Kind(rawValue: kindText), kind.isMirrored,
              let key = String(validating: message[(colon + 1)...], as: UTF8.self), !key.isEmpty
        else { return nil }
        return EntryName(kind: kind, key: key)
    }
}

/// Which entry: its kind and key.
struct EntryName: Hashable {
    var kind: StateEntry.Kind
    var key: String
}

/// The Lua scripts the store runs (EVAL): each reads and writes atomically on the server.
enum RedisScripts {
    /// KEYS: entry keys. Each key's value (or nil) and its expiry in Unix seconds (-2: no key, -1: none), read
    /// together. EXPIRETIME needs Redis 7.0.
    static let fetch = Array("""
        local found = {}
        for i, key in ipairs(KEYS) do
          found[i] = {redis.call('GET', key), redis.call('EXPIRETIME', key)}
        end
        return found
        """.utf8)

    /// KEYS[1]: an entry key; ARGV[1]: a value. Deletes the key only while it holds exactly that value (a lock
    /// released by its owner, never by whoever took it over after it expired). 1 when deleted.
    static let removeIfValue = Array("""
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          return redis.call('DEL', KEYS[1])
        end
        return 0
        """.utf8)
}

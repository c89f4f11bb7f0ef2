import GatehouseCore
import Synchronization

/// The Redis backend of `StateStore`, shared by every machine that names the same Redis (`redis://HOST:PORT/DB`).
/// Entries are Redis strings with Redis's own expiry (`RedisKeyspace`); writes of mirrored kinds are announced
/// on a pub/sub channel that `waitForChange` listens to (`RedisStateStore+Feed.swift`).
///
/// Two connections: one for commands, shared by every thread one command at a time, and one subscribed to the
/// change channel, read by the background thread that calls `waitForChange`. Each waits at most
/// `connectTimeout` to connect and `commandTimeout` per command, so a dead Redis costs a caller about a second.
/// A connection that broke is dropped; the call throws and the next call connects again (the caller backs off).
/// Needs Redis 7.0 or newer (`EXPIRETIME`).
public final class RedisStateStore: StateStore {
    static let connectTimeout = 1.0
    static let commandTimeout = 1.0
    /// Keys SCAN is asked to look at per step, and keys read per EVAL of `RedisScripts.fetch`.
    static let scanCount = 1000
    static let fetchBatch = 500

    let endpoint: RedisEndpoint
    /// The command connection; nil after it broke, until the next call connects again.
    private let commandConnection: Mutex<RedisConnection?>
    /// The subscribed connection (`RedisStateStore+Feed.swift`).
    let subscription: Mutex<Subscription>
    /// What the change feed knows between calls.
    let feed: Mutex<ChangeFeed>

    /// Connects (and subscribes) now, so a wrong address or password shows at start-up.
    public init(host: String, port: Int, database: Int, password: String?) throws(StateStoreError) {
        endpoint = RedisEndpoint(
            host: host, port: port, database: database, password: password,
            connectTimeout: Self.connectTimeout, commandTimeout: Self.commandTimeout)
        do {
            commandConnection = Mutex(try endpoint.connect())
            subscription = Mutex(Subscription(connection: try Self.subscribe(endpoint)))
        } catch {
            throw StateStoreError("\(endpoint): \(error)")
        }
        // Positions start anywhere, so a cursor from another store instance is never taken for one of ours.
        feed = Mutex(ChangeFeed(position: Int64.random(in: 1...(1 << 52))))
    }

    public var description: String { endpoint.description }

    public func put(_ entry: StateEntry) throws(StateStoreError) {
        let name = EntryName(kind: entry.kind, key: entry.key)
        var commands = [Self.set(name, entry.value, expiresAt: entry.expiresAt)]
        if entry.kind.isMirrored { commands.append(publish(name)) }
        try withConnection { connection throws(RedisError) in
            // SET and PUBLISH in one round trip. An instance not subscribed just then misses the announcement
            // and makes up for it with the full resync that follows its next subscription.
            for (reply, command) in zip(try connection.pipeline(commands), ["SET", "PUBLISH"]) {
                try reply.orThrow(command)
            }
        }
    }

    public func putIfAbsent(_ entry: StateEntry, now: Int64) throws(StateStoreError) -> Bool {
        let name = EntryName(kind: entry.kind, key: entry.key)
        return try withConnection { connection throws(RedisError) -> Bool in
            // NX: only when no key exists, and Redis removes a key when it expires, so "no live entry".
            let set = Self.set(name, entry.value, expiresAt: entry.expiresAt, onlyIfAbsent: true)
            let reply = try connection.command(set)
            switch try reply.orThrow("SET") {
            case .null: return false
            case .status: break
            default: throw RedisError(.protocolError, "SET NX answered \(reply.kindName)")
            }
            if entry.kind.isMirrored { try connection.command(publish(name)).orThrow("PUBLISH") }
            return true
        }
    }

    public func get(_ kind: StateEntry.Kind, _ key: String, now: Int64) throws(StateStoreError) -> StateEntry? {
        try fetch([EntryName(kind: kind, key: key)], now: now).first
    }

    public func remove(_ kind: StateEntry.Kind, _ key: String, ifValue value: [UInt8]) throws(StateStoreError) {
        let redisKey = RedisKeyspace.redisKey(EntryName(kind: kind, key: key))
        try withConnection { connection throws(RedisError) in
            let script = [Array("EVAL".utf8), RedisScripts.removeIfValue, Array("1".utf8), redisKey, value]
            _ = try connection.command(script).integer("EVAL")
        }
    }

    /// Nothing to do: Redis deletes expired keys itself.
    public func purgeExpired(now: Int64) throws(StateStoreError) {}

    /// The live entries among `names` (missing and expired ones left out), in batches of `fetchBatch`.
    func fetch(_ names: [EntryName], now: Int64) throws(StateStoreError) -> [StateEntry] {
        var entries: [StateEntry] = []
        var start = 0
        while start < names.count {
            let batch = Array(names[start..<min(start + Self.fetchBatch, names.count)])
            start += batch.count
            try withConnection { connection throws(RedisError) in
                let arguments = [Array("EVAL".utf8), RedisScripts.fetch, Array(String(batch.count).utf8)]
                    + batch.map(RedisKeyspace.redisKey)
                let rows = try connection.command(arguments).array("EVAL")
                guard rows.count == batch.count else {
                    throw RedisError(.protocolError, "EVAL answered \(rows.count) rows for \(batch.count) keys")
                }
                for (name, row) in zip(batch, rows) {
                    if let entry = try Self.entry(name, row), entry.expiresAt > now { entries.append(entry) }
                }
            }
        }
        return entries
    }

    /// One row of `RedisScripts.fetch`: [value or nil, expiry]. Nil when the key is gone.
    private static func entry(_ name: EntryName, _ row: RedisReply) throws(RedisError) -> StateEntry? {
        guard case .array(let pair) = row, pair.count == 2 else {
            throw RedisError(.protocolError, "EVAL answered \(row.kindName) for a key")
        }
        guard let value = try pair[0].bytesOrNull("GET") else { return nil }
        let expiry = try pair[1].integer("EXPIRETIME")
        guard expiry != -2 else { return nil }
        // -1: a key without expiry (not written by Gatehouse, which always sets one): it never expires.
        return StateEntry(kind: name.kind, key: name.key, value: value, expiresAt: expiry == -1 ? Int64.max : expiry)
    }

    /// Runs `body` on the command connection, connecting first when there is none or Redis has closed it. A
    /// failure that breaks the connection drops it; the next call connects again.
    func withConnection<Result: Sendable>(
        _ body: (RedisConnection) throws(RedisError) -> Result
    ) throws(StateStoreError) -> Result {
        do {
            return try commandConnection.withLock { (slot: inout RedisConnection?) throws(RedisError) -> Result in
                let connection: RedisConnection
                if let existing = slot, !existing.isClosedByPeer {
                    connection = existing
                } else {
                    connection = try endpoint.connect()
                    slot = connection
                    // Redis may have restarted, losing or changing anything: the next changes() starts over.
                    feed.withLock { $0.needsResync = true }
                }
                do throws(RedisError) {
                    return try body(connection)
                } catch {
                    if error.breaksConnection { slot = nil }
                    throw error
                }
            }
        } catch {
            throw StateStoreError("\(endpoint): \(error)")
        }
    }

    /// SET with an absolute expiry in Unix seconds (EXAT; Redis refuses 0 and below, and a past time removes
    /// the key at once, so those become 1).
    private static func set(
        _ name: EntryName, _ value: [UInt8], expiresAt: Int64, onlyIfAbsent: Bool = false
    ) -> [[UInt8]] {
        let expiry = Array(String(max(1, expiresAt)).utf8)
        var command = [Array("SET".utf8), RedisKeyspace.redisKey(name), value, Array("EXAT".utf8), expiry]
        if onlyIfAbsent { command.append(Array("NX".utf8)) }
        return command
    }

    private func publish(_ name: EntryName) -> [[UInt8]] {
        [Array("PUBLISH".utf8), RedisKeyspace.channel(database: endpoint.database), RedisKeyspace.message(name)]
    }
}

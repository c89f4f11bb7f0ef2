import GatehouseCore
import Synchronization

/// The change feed. Writes of mirrored kinds are announced on the database's channel; the subscribed connection
/// collects the entries they name, and `changes` reads those entries back. Whenever a connection was (re)made,
/// announcements may have been missed, so the next `changes` is a full resync: every live mirrored entry, read
/// with SCAN after the subscription is live, so nothing written meanwhile falls between the two.
struct ChangeFeed {
    /// Entries named by announcements that no `changes` has handed out yet.
    var pending: Set<EntryName> = []
    /// A connection was (re)made since the last full resync.
    var needsResync = false
    /// The cursor `changes` handed out last; any other cursor gets a full resync.
    var position: Int64
    /// Announcements one read takes at most after the first (a flood cannot keep it reading forever).
    static let drainLimit = 10_000
}

/// The subscribed connection, and the PING each `waitForChange` sends on it: a quiet channel is otherwise
/// indistinguishable from a Redis that hangs or has vanished without closing the connection.
struct Subscription {
    var connection: RedisConnection?
    /// When the unanswered PING went out; its PONG is due within the command timeout.
    var pingSentAt: ContinuousClock.Instant?
}

extension RedisStateStore {
    /// Waits on the subscription. A subscription found closed (Redis restarted) is replaced at once and the
    /// answer is true (announcements may have been missed); one that does not answer its PING in time throws.
    public func waitForChange(timeout: Double) throws(StateStoreError) -> Bool {
        do {
            return try subscription.withLock { (subscription: inout Subscription) throws(RedisError) -> Bool in
                try ensureSubscribed(&subscription)
                if feed.withLock({ $0.needsResync || !$0.pending.isEmpty }) { return true }
                do throws(RedisError) {
                    try ping(&subscription)
                    return try receive(&subscription, timeout: timeout)
                } catch where error.kind != .timeout {
                    try ensureSubscribed(&subscription)
                    return true
                }
            }
        } catch {
            throw StateStoreError("\(endpoint): \(error)")
        }
    }

    public func changes(after cursor: StateCursor?, now: Int64) throws(StateStoreError) -> StateChanges {
        // Take what the subscription has already received, and (re)subscribe before any full resync. Skipped
        // while waitForChange holds the subscription on another thread: it files what it reads in `feed`.
        do {
            try subscription.withLockIfAvailable { (subscription: inout Subscription) throws(RedisError) in
                try ensureSubscribed(&subscription)
                do throws(RedisError) {
                    _ = try receive(&subscription, timeout: 0)
                } catch where error.kind != .timeout {
                    try ensureSubscribed(&subscription)
                }
            }
        } catch {
            throw StateStoreError("\(endpoint): \(error)")
        }
        let (complete, named, position) = feed.withLock { feed in
            let complete = cursor == nil || cursor != StateCursor(feed.position) || feed.needsResync
            let named = complete ? [] : Array(feed.pending)
            feed.pending.removeAll()
            if complete { feed.needsResync = false }
            // A call that fails below has handed out no cursor: the caller's old one no longer matches, so its
            // next call is a full resync and nothing taken from `pending` here is lost.
            feed.position &+= 1
            return (complete, named, feed.position)
        }
        let entries = try fetch(complete ? try scanMirrored() : named, now: now)
        return StateChanges(entries: entries, cursor: StateCursor(position), complete: complete)
    }

    /// Every key of every mirrored kind, by SCAN (a step per call, so writers wait at most one step).
    private func scanMirrored() throws(StateStoreError) -> [EntryName] {
        var names: [EntryName] = []
        var seen: Set<EntryName> = []  // SCAN may return a key twice
        for kind in StateEntry.Kind.allCases where kind.isMirrored {
            var scanCursor = Array("0".utf8)
            repeat {
                let (next, keys) = try withConnection { connection throws(RedisError) -> ([UInt8], [RedisReply]) in
                    let reply = try connection.command([
                        Array("SCAN".utf8), scanCursor, Array("MATCH".utf8), RedisKeyspace.pattern(kind),
                        Array("COUNT".utf8), Array(String(Self.scanCount).utf8),
                    ]).array("SCAN")
                    guard reply.count == 2, case .string(let next) = reply[0], case .array(let keys) = reply[1] else {
                        throw RedisError(.protocolError, "SCAN answered an unexpected shape")
                    }
                    return (next, keys)
                }
                for case .string(let key) in keys {
                    if let name = RedisKeyspace.entryName(key, kind: kind), seen.insert(name).inserted {
                        names.append(name)
                    }
                }
                scanCursor = next
            } while scanCursor != Array("0".utf8)
        }
        return names
    }

    /// Connects and subscribes when there is no subscribed connection (then the next `changes` is a full
    /// resync).
    private func ensureSubscribed(_ subscription: inout Subscription) throws(RedisError) {
        guard subscription.connection == nil else { return }
        subscription = Subscription(connection: try Self.subscribe(endpoint))
        feed.withLock { $0.needsResync = true }
    }

    /// Sends a PING unless one is still unanswered.
    private func ping(_ subscription: inout Subscription) throws(RedisError) {
        guard let connection = subscription.connection, subscription.pingSentAt == nil else { return }
        do throws(RedisError) {
            try connection.send([Array("PING".utf8)])
        } catch {
            subscription = Subscription()
            throw error
        }
        subscription.pingSentAt = .now
    }

    /// Reads for up to `timeout` seconds until an announcement arrives, then whatever else has arrived, and files
    /// the entries they name in `feed`. True when there was one. Throws (and drops the connection) when a read
    /// fails or a PING has gone unanswered for the command timeout.
    private func receive(_ subscription: inout Subscription, timeout: Double) throws(RedisError) -> Bool {
        guard let connection = subscription.connection else { return false }
        let deadline = ContinuousClock.now + .seconds(max(0, timeout))
        var named: [EntryName] = []
        defer { if !named.isEmpty { feed.withLock { $0.pending.formUnion(named) } } }
        do throws(RedisError) {
            while named.count < ChangeFeed.drainLimit {
                let pongDue = subscription.pingSentAt.map { $0 + .seconds(endpoint.commandTimeout) }
                if let pongDue, pongDue <= .now {
                    throw RedisError(.timeout, "no answer to PING on the subscription")
                }
                let until = named.isEmpty ? min(deadline, pongDue ?? deadline) : .now
                guard let reply = try connection.nextPushedReply(timeout: Self.seconds(until - .now)) else {
                    if until == deadline || !named.isEmpty { break }
                    continue  // the PONG's deadline: the check above throws
                }
                if Self.isPong(reply) {
                    subscription.pingSentAt = nil
                } else if let name = announcedEntry(reply) {
                    named.append(name)
                }
            }
        } catch {
            subscription = Subscription()
            throw error
        }
        return !named.isEmpty
    }

    /// The entry a pub/sub message names, when it is an announcement on this store's channel.
    private func announcedEntry(_ reply: RedisReply) -> EntryName? {
        guard case .array(let parts) = reply, parts.count == 3, parts[0] == .string(Array("message".utf8)),
              parts[1] == .string(RedisKeyspace.channel(database: endpoint.database)),
              case .string(let message) = parts[2]
        else { return nil }
        return RedisKeyspace.entryName(message: message)
    }

    /// A subscribed connection's answer to PING: ["pong", ""].
    private static func isPong(_ reply: RedisReply) -> Bool {
        guard case .array(let parts) = reply, let first = parts.first else { return false }
        return first == .string(Array("pong".utf8))
    }

    /// A new connection subscribed to the database's change channel.
    static func subscribe(_ endpoint: RedisEndpoint) throws(RedisError) -> RedisConnection {
        let connection = try endpoint.connect()
        let channel = RedisKeyspace.channel(database: endpoint.database)
        let reply = try connection.command([Array("SUBSCRIBE".utf8), channel]).array("SUBSCRIBE")
        guard reply.count == 3, reply[0] == .string(Array("subscribe".utf8)), reply[1] == .string(channel) else {
            throw RedisError(.protocolError, "SUBSCRIBE answered an unexpected shape")
        }
        return connection
    }

    private static func seconds(_ duration: Duration) -> Double {
        guard duration > .zero else { return 0 }
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

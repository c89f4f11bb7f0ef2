import GatehouseCrypto
import Synchronization

/// The `state`s whose callback already ran in this process, so a pending-login cookie reaches the token endpoint
/// at most once here, however often it is replayed (with the same or made-up codes). The cookie itself is also
/// deleted by the first callback, but a replay need not honour that; this record is what bounds it server-side.
///
/// - An entry lives until its pending login would expire anyway (`created + login_timeout`): after that
///   `PendingLoginCookies.find` refuses the cookie, so forgetting the state reopens nothing.
/// - Bounded: at most `capacity` entries (16 bytes of the state's SHA-256 each). When full of live entries, the
///   one that expires first makes room. Refusing instead would let anyone who completes `capacity` logins within
///   `login_timeout` block every sign-in on the instance; evicting means a replay of the evicted state costs its
///   sender `capacity` fresh logins (each one a token request of its own) per extra token request.
/// - Per process: N instances behind one web server allow a replayed cookie at most N exchanges.
final class ConsumedStates: Sendable {
    static let defaultCapacity = 65_536

    enum Outcome: Sendable, Equatable {
        /// First use of this state: recorded, the callback may go on.
        case first
        /// Already used here: refuse.
        case replayed
    }

    struct Key: Hashable, Sendable {
        let high: UInt64, low: UInt64
    }

    struct Store: Sendable {
        var expiry: [Key: Int64] = [:]
        /// No entry expires before this: a full store is not scanned again until then.
        var nextExpiry = Int64.max
    }

    let capacity: Int
    private let store = Mutex(Store())

    init(capacity: Int = ConsumedStates.defaultCapacity) { self.capacity = capacity }

    /// Records `state` as used until `expiresAt`, atomically: of two concurrent callbacks with one state, one
    /// gets `.first`.
    func consume(_ state: String, expiresAt: Int64, now: Int64) -> Outcome {
        let key = Self.key(state)
        return store.withLock { s in
            if let until = s.expiry[key], until >= now { return .replayed }
            if s.expiry.count >= capacity && s.expiry[key] == nil {
                if now > s.nextExpiry { s.expiry = s.expiry.filter { $0.value >= now } }
                if s.expiry.count >= capacity, let first = s.expiry.min(by: { $0.value < $1.value }) {
                    s.expiry[first.key] = nil
                }
                s.nextExpiry = s.expiry.values.min() ?? .max
            }
            s.expiry[key] = expiresAt
            s.nextExpiry = min(s.nextExpiry, expiresAt)
            return .first
        }
    }

    var count: Int { store.withLock { $0.expiry.count } }

    static func key(_ state: String) -> Key {
        let d = Digest.sha256(Array(state.utf8))
        func word(_ at: Int) -> UInt64 { d[at..<at + 8].reduce(0) { $0 << 8 | UInt64($1) } }
        return Key(high: word(0), low: word(8))
    }
}

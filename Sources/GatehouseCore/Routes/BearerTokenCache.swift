import GatehouseCrypto
import Synchronization

/// Checked bearer tokens, keyed by the SHA-256 of the token (the token itself is never kept): a JWT's
/// verification (libcjose, tens of microseconds) or an introspection round trip is done once per token, not
/// once per request. An entry lives until its `until` (the token's `exp`, or the introspection TTL); the
/// caller checks the time on every hit. Bounded: at `capacity`, expired entries go first, then all of them
/// (a flood of distinct tokens costs verifications, never memory).
final class BearerTokenCache: Sendable {
    enum Verdict: Sendable {
        case granted(Session)
        /// Introspection said inactive (cached briefly).
        case inactive
    }

    private struct Entry { let verdict: Verdict; let until: Int64 }
    private let entries = Mutex<[[UInt8]: Entry]>([:])
    let capacity: Int

    init(capacity: Int = 10_000) { self.capacity = capacity }

    static func key(_ token: String) -> [UInt8] { Digest.sha256(Array(token.utf8)) }

    func lookup(_ key: [UInt8], now: Int64) -> Verdict? {
        entries.withLock { all in
            guard let entry = all[key] else { return nil }
            guard now < entry.until else { all[key] = nil; return nil }
            return entry.verdict
        }
    }

    func store(_ key: [UInt8], _ verdict: Verdict, until: Int64, now: Int64) {
        guard until > now else { return }
        entries.withLock { all in
            if all.count >= capacity, all[key] == nil {
                all = all.filter { $0.value.until > now }
                if all.count >= capacity { all.removeAll(keepingCapacity: true) }
            }
            all[key] = Entry(verdict: verdict, until: until)
        }
    }
}

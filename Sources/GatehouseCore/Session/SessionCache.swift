import Synchronization

/// Sessions already opened, by their exact sealed value: a browser sends the same cookie on every request,
/// so the check need not decrypt and decode it again. A value that did not open is kept too (as no session): a
/// browser keeps sending a cookie sealed with a retired secret, or of a provider taken out of the config, on every
/// request until it signs in again. Whether a value opens never changes for a configuration; expiry is still
/// checked on every read (by SessionCookie). Both kinds are bounded, each on its own: when full, that kind starts
/// over, so values that never open (an attacker's, each new one costing a decryption as before) never push out
/// the sessions that did.
///
/// Looked up by a fingerprint of the value (its length and 24 of its bytes: the version byte and random nonce
/// at the start, the GCM tag at the end), then compared whole: hashing the whole ~600-byte value was most of
/// the lookup's cost. A value that shares a fingerprint but not its bytes is a miss, never another session.
final class SessionCache: Sendable {
    static let capacity = 4096
    static let refusedCapacity = 1024

    struct Fingerprint: Hashable {
        let head: UInt64, middle: UInt64, tail: UInt64, count: Int

        init(_ value: String) {
            var value = value
            (head, middle, tail, count) = value.withUTF8 { bytes in
                func word(at offset: Int) -> UInt64 {
                    var w: UInt64 = 0
                    for i in 0..<8 where offset + i >= 0 && offset + i < bytes.count { w = w << 8 | UInt64(bytes[offset + i]) }
                    return w
                }
                return (word(at: 0), word(at: 8), word(at: bytes.count - 8), bytes.count)
            }
        }
    }

    private struct Entries {
        var opened: [Fingerprint: (value: String, session: Session)] = [:]
        var refused: [Fingerprint: String] = [:]
    }
    private let entries = Mutex(Entries())

    enum Lookup { case opened(Session), refused, unknown }

    func get(_ value: String) -> Lookup {
        let key = Fingerprint(value)
        return entries.withLock { all in
            if let hit = all.opened[key], hit.value == value { return .opened(hit.session) }
            if let hit = all.refused[key], hit == value { return .refused }
            return .unknown
        }
    }

    /// `session`: nil for a value that did not open.
    func put(_ value: String, _ session: Session?) {
        let key = Fingerprint(value)
        entries.withLock { all in
            if let session {
                if all.opened.count >= Self.capacity { all.opened.removeAll(keepingCapacity: true) }
                all.opened[key] = (value, session)
            } else {
                if all.refused.count >= Self.refusedCapacity { all.refused.removeAll(keepingCapacity: true) }
                all.refused[key] = value
            }
        }
    }
}

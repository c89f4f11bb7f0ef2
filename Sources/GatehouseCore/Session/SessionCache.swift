import Synchronization

/// Sessions already opened, by their exact sealed value: a browser sends the same cookie on every request,
/// so the check need not decrypt and decode it again. Only values that opened are stored; expiry is still
/// checked on every read (by SessionCookie). Bounded: when full, it starts over.
final class SessionCache: Sendable {
    static let capacity = 4096
    private let entries = Mutex<[String: Session]>([:])

    func get(_ value: String) -> Session? { entries.withLock { $0[value] } }

    func put(_ value: String, _ session: Session) {
        entries.withLock { all in
            if all.count >= Self.capacity { all.removeAll(keepingCapacity: true) }
            all[value] = session
        }
    }
}

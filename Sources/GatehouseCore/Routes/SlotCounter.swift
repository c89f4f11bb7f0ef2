import Synchronization

/// A non-blocking counting limit: `acquire` succeeds while fewer than `limit` holders exist.
public final class SlotCounter: Sendable {
    public let limit: Int
    private let inUse = Mutex(0)

    public init(limit: Int) { self.limit = limit }

    public func acquire() -> Bool {
        inUse.withLock { n in
            guard n < limit else { return false }
            n += 1
            return true
        }
    }

    public func release() { inUse.withLock { $0 -= 1 } }
}

import Dispatch
import Synchronization

/// Sessions due for a refresh, handed from the check (which only adds, never waits) to the refresher threads.
/// One entry per session however many checks ask; bounded; a session whose refresh just failed waits
/// `retryDelay` before it is taken again, so a down provider is not hammered.
final class RefreshQueue: Sendable {
    struct Queue {
        var pending: [SessionID: Session] = [:]
        var order: [SessionID] = []
        /// Sessions being refreshed now on this instance, and those that failed with the time they may retry.
        var running: Set<SessionID> = []
        var retryAt: [SessionID: Int64] = [:]
    }

    static let capacity = 10_000
    let retryDelay: Int64
    private let queue = Mutex(Queue())
    private let ready = DispatchSemaphore(value: 0)

    init(retryDelay: Int64) { self.retryDelay = retryDelay }

    /// From the check: cheap, and a no-op when the session is already queued, running or waiting to retry.
    func add(_ session: Session, now: Int64) {
        guard let id = session.id else { return }
        let added = queue.withLock { q -> Bool in
            guard q.pending[id] == nil, !q.running.contains(id), q.pending.count < Self.capacity else { return false }
            if let at = q.retryAt[id] {
                if at > now { return false }
                q.retryAt[id] = nil
            }
            q.pending[id] = session
            q.order.append(id)
            return true
        }
        if added { ready.signal() }
    }

    /// For a refresher thread: the next session, or nil after `timeout` seconds with none.
    func take(timeout: Double) -> Session? {
        guard ready.wait(timeout: .now() + timeout) == .success else { return nil }
        return queue.withLock { q -> Session? in
            while !q.order.isEmpty {
                let id = q.order.removeFirst()
                if let s = q.pending.removeValue(forKey: id) {
                    q.running.insert(id)
                    return s
                }
            }
            return nil
        }
    }

    /// The refresh of `id` ended; `failed` makes the session wait `retryDelay` before it is queued again.
    func finished(_ id: SessionID, failed: Bool, now: Int64) {
        queue.withLock { q in
            q.running.remove(id)
            if failed { q.retryAt[id] = now + retryDelay }
            if q.retryAt.count > Self.capacity { q.retryAt = q.retryAt.filter { $0.value > now } }
        }
    }

    var isIdle: Bool { queue.withLock { $0.pending.isEmpty && $0.running.isEmpty } }
}

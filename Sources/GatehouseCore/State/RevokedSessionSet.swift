/// Revoked session ids (placeholder: exact set until the bounded filter lands). Not thread-safe: the caller locks.
final class RevokedSessionSet {
    private var ids: [SessionID: Int64] = [:]
    let capacity: Int
    init(capacity: Int, lifetime: Int64) { self.capacity = capacity }
    func insert(_ id: SessionID, expiresAt: Int64) { ids[id] = expiresAt }
    func contains(_ id: SessionID, expiresAt: Int64) -> Bool { ids[id] != nil }
    func removeExpired(now: Int64) { ids = ids.filter { $0.value > now } }
    var count: Int { ids.count }
    var isOverCapacity: Bool { ids.count > capacity }
}

import Synchronization

/// What the check derives from a session and nothing else (its identity headers, the global rules' decision),
/// kept with the session while its cookie value is cached (`SessionCache`), so a browser's repeated requests pay
/// for it once. The same value would be computed on every request; only the cost changes.
///
/// A memo belongs to one session value: `Session` drops it when a field it is derived from changes, and a
/// refreshed session gets the memo of its refresh record (`RefreshedSession`), never the cookie's. Each value is
/// kept for one owner (the `IdentityHeaders` or `AuthCheck` of one configuration, compared by identity); another
/// owner computes its own every time.
final class SessionMemo: Sendable {
    let responderHeaders = MemoSlot<[Response.Header]>()
    let authorizerHeaders = MemoSlot<[Response.Header]>()
    let globalDecision = MemoSlot<AccessRules.Decision>()

    init() {}
}

/// How a session holds its memo: a cache, not part of its value, so two sessions equal in every field are
/// equal whatever they have memoised.
struct MemoHandle: Sendable, Equatable {
    var memo: SessionMemo?

    init(_ memo: SessionMemo? = nil) { self.memo = memo }

    static func == (lhs: MemoHandle, rhs: MemoHandle) -> Bool { true }

    /// The slot's value when there is a memo, else computed now.
    func value<V: Sendable>(_ slot: KeyPath<SessionMemo, MemoSlot<V>>, for owner: MemoOwner, _ compute: () -> V) -> V {
        guard let memo else { return compute() }
        return memo[keyPath: slot].value(for: owner, compute)
    }
}

/// The identity a memo slot is kept for: one per configuration's `IdentityHeaders` and `AuthCheck`.
public final class MemoOwner: Sendable {
    public init() {}
}

/// One derived value, computed by the first request that asks and then read without a lock.
final class MemoSlot<Value: Sendable>: Sendable {
    private final class Box: Sendable {
        let owner: MemoOwner
        let value: Value
        init(owner: MemoOwner, value: Value) { self.owner = owner; self.value = value }
    }
    private let box = AtomicLazyReference<Box>()

    func value(for owner: MemoOwner, _ compute: () -> Value) -> Value {
        if let kept = box.load(), kept.owner === owner { return kept.value }
        let value = compute()
        // Two threads may both compute it; the first stored wins and both values are the same.
        _ = box.storeIfNil(Box(owner: owner, value: value))
        return value
    }
}

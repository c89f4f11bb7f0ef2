/// The state store: what changed after login (revocations, refreshed sessions), shared by every instance that
/// names the same store. A small key-value table with expiry and a change feed; what the entries mean lives in
/// the core (`SessionState`, `Revocations`, `Refresher`), so the backends (SQLite in `GatehouseStateSQLite`,
/// Redis in `GatehouseStateRedis`) stay thin and interchangeable. The comments here are the contract every
/// backend keeps; `Tests/StateStoreConformance` checks it against each.
///
/// Only background tasks and the routes that already do I/O (callback, sign-out, back-channel logout, the
/// command line) call a store. The check reads the in-memory mirror (`SessionState`) and never waits on one.
///
/// Time: every `now` is the caller's clock in Unix seconds, the current time. An entry is live while
/// `expiresAt > now`; once expired it is never returned (`get`, `changes`) and never counts as live for
/// `putIfAbsent`, whether or not `purgeExpired` has run. A backend whose server expires entries by its own clock
/// (Redis) also drops them when *that* clock passes `expiresAt`, and its `putIfAbsent` asks that clock alone:
/// the instances of one store keep their clocks close (NTP), and no caller passes an earlier `now` to see an
/// entry again.
///
/// Handles: each instance (process) opens its own handle on the store, and a handle is shared by that
/// instance's threads. Only one thread at a time waits in `waitForChange` and follows the change feed with it
/// (the sync thread).
public protocol StateStore: AnyObject, Sendable {
    /// Writes (or overwrites, value and expiry both) an entry. A write of a mirrored kind is a change: every
    /// handle's feed reports it and it wakes their `waitForChange`. An entry written already expired (`expiresAt`
    /// not after the current time) is never returned: an overwrite that is already expired hides the entry.
    func put(_ entry: StateEntry) throws(StateStoreError)
    /// Writes the entry only when no live entry has its kind and key (one that expired, by `now` or by the
    /// server's clock, or was removed does not count): refresh locks and one-time tokens. True when written,
    /// also when the entry written is already expired. Atomic across every handle: of any number racing for one
    /// kind and key, exactly one writes. A write of a mirrored kind is a change, as with `put`.
    func putIfAbsent(_ entry: StateEntry, now: Int64) throws(StateStoreError) -> Bool
    /// The live entry of that kind and key (as the last write left it), or nil.
    func get(_ kind: StateEntry.Kind, _ key: String, now: Int64) throws(StateStoreError) -> StateEntry?
    /// Removes the entry when its value is still exactly `value` (a lock released only by its owner; never a
    /// prefix, an empty value only by an empty value). Not a change: no feed reports a removal, so it is for
    /// the kinds that are not mirrored (mirrors drop their entries at `expiresAt`).
    func remove(_ kind: StateEntry.Kind, _ key: String, ifValue value: [UInt8]) throws(StateStoreError)
    /// The mirrored entries (`Kind.isMirrored`) changed after `cursor`, with the cursor to ask from next time.
    /// Never an entry of an unmirrored kind, nor one that is not live at `now`; each entry as it is now (its
    /// latest value and expiry), never an older value.
    ///
    /// - `cursor == nil`: every live mirrored entry, each once, `complete == true` (a full resync).
    /// - The cursor of this handle's last answer: what changed since, `complete == false`; or, when the handle
    ///   lost track meanwhile (Redis after a reconnect), everything, `complete == true`.
    /// - Any other cursor (an older one of this handle's, as a caller holds after a `changes` that threw;
    ///   another handle's): what changed since it, or everything with `complete == true`. Never less.
    ///
    /// The feed may be asynchronous (Redis: pub/sub): another handle's write reaches this handle's answers
    /// shortly after the write returns, not necessarily the very next answer, and at once after a
    /// `waitForChange` that it woke. Delivery is at least once: an incremental answer may repeat an entry an
    /// earlier answer reported (a write that crossed that answer), which is harmless since it holds the current
    /// value. Repeats stop: once nobody writes, answers soon hold nothing, and then only later writes.
    func changes(after cursor: StateCursor?, now: Int64) throws(StateStoreError) -> StateChanges
    /// Blocks the calling background thread until something may have changed, or `timeout` seconds pass; false
    /// on timeout. True soon (well within a second) after another handle writes a mirrored entry, also when that
    /// write came after this handle's last `changes` answer but before this call (the sync loop asks `changes`,
    /// then waits); the write that woke it is in the next `changes` answer. It may also wake for other reasons
    /// (own writes, unmirrored writes, removals, a purge, a reconnect) and once more for a change `changes`
    /// already read, but it does not keep waking without new writes (the sync loop never spins). SQLite polls
    /// `PRAGMA data_version`; Redis listens on pub/sub.
    func waitForChange(timeout: Double) throws(StateStoreError) -> Bool
    /// Housekeeping: lets the store drop the entries that have expired by `now`. Nothing a caller sees depends
    /// on it (expired entries are hidden anyway, see "Time") and live entries stay. SQLite deletes the rows;
    /// Redis expires keys by itself and does nothing here.
    func purgeExpired(now: Int64) throws(StateStoreError)
    /// Where it is, for logs (never a password).
    var description: String { get }
}

/// One entry. Keys are short printable ASCII (base64url or hex); values are opaque bytes (sealed when secret).
public struct StateEntry: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// A session ended by id (sign-out, `session revoke --session`, a failed refresh). Key: session id.
        case revokedSession = "rs"
        /// Every session of a user that began before the value's time. Key: `StateKeys.subject`.
        case revokedSubject = "ru"
        /// Every session of a provider session (`sid`) that began before the value's time. Key: `StateKeys.providerSession`.
        case revokedProviderSession = "rp"
        /// Every session of an email address that began before the value's time. Key: `StateKeys.email`.
        case revokedEmail = "re"
        /// The newest refreshed state of a session, sealed (`RefreshedSession`). Key: session id.
        case refreshed = "st"
        /// Who refreshes a session now. Key: session id; value: the owner's instance id. Not mirrored.
        case refreshLock = "lk"
        /// A logout token's `jti`, refused when seen again. Key: `StateKeys.tokenID`. Not mirrored.
        case usedTokenID = "jt"

        /// Kinds every instance keeps in memory.
        public var isMirrored: Bool { self != .refreshLock && self != .usedTokenID }
    }

    public var kind: Kind
    public var key: String
    public var value: [UInt8]
    /// Unix seconds after which the entry is gone.
    public var expiresAt: Int64

    public init(kind: Kind, key: String, value: [UInt8] = [], expiresAt: Int64) {
        self.kind = kind
        self.key = key
        self.value = value
        self.expiresAt = expiresAt
    }
}

/// Where a change feed left off: a sequence number (SQLite: the file's write counter, the same for every
/// handle) or an opaque token the backend understands (Redis: meaningful only to the handle that handed it out).
/// Callers only pass it back to `changes`.
public struct StateCursor: Sendable, Equatable {
    public var position: Int64
    public init(_ position: Int64) { self.position = position }
}

public struct StateChanges: Sendable {
    public var entries: [StateEntry]
    public var cursor: StateCursor
    /// True when `entries` is every live mirrored entry (the mirror replaces its state instead of adding to it).
    public var complete: Bool

    public init(entries: [StateEntry], cursor: StateCursor, complete: Bool) {
        self.entries = entries
        self.cursor = cursor
        self.complete = complete
    }
}

/// A store could not be reached or refused an operation. The description never holds a password or a value.
public struct StateStoreError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The state store: what changed after login (revocations, refreshed sessions), shared by every instance that
/// names the same store. A small key-value table with expiry and a change feed; what the entries mean lives in
/// the core (`SessionState`, `Revocations`, `Refresher`), so the backends (SQLite in `GatehouseStateSQLite`,
/// Redis in `GatehouseStateRedis`) stay thin and interchangeable.
///
/// Only background tasks and the routes that already do I/O (callback, sign-out, back-channel logout, the
/// command line) call a store. The check reads the in-memory mirror (`SessionState`) and never waits on one.
public protocol StateStore: AnyObject, Sendable {
    /// Writes (or overwrites) an entry and tells every instance.
    func put(_ entry: StateEntry) throws(StateStoreError)
    /// Writes the entry only when no live entry (`expiresAt > now`) has its kind and key: refresh locks and
    /// one-time tokens. True when written.
    func putIfAbsent(_ entry: StateEntry, now: Int64) throws(StateStoreError) -> Bool
    /// The live entry of that kind and key, or nil.
    func get(_ kind: StateEntry.Kind, _ key: String, now: Int64) throws(StateStoreError) -> StateEntry?
    /// Removes the entry when its value is still `value` (a lock released only by its owner).
    func remove(_ kind: StateEntry.Kind, _ key: String, ifValue value: [UInt8]) throws(StateStoreError)
    /// The mirrored entries (`Kind.isMirrored`) changed after `cursor`, with the cursor to ask from next time.
    /// `cursor == nil`: every live mirrored entry (a full resync). A backend that cannot say what changed since
    /// an old cursor (Redis after a reconnect) answers with everything and `complete == true`.
    func changes(after cursor: StateCursor?, now: Int64) throws(StateStoreError) -> StateChanges
    /// Blocks the calling background thread until another instance may have changed something, or `timeout`
    /// seconds pass (SQLite: polls `PRAGMA data_version`; Redis: pub/sub). False on timeout.
    func waitForChange(timeout: Double) throws(StateStoreError) -> Bool
    /// Deletes expired entries (a housekeeping call; expired entries are never returned anyway).
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

/// Where a change feed left off: a sequence number (SQLite) or an opaque token the backend understands.
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

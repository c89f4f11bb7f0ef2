import GatehouseCore
import Synchronization

/// The core that serves new requests. A reload puts a new one here; a request takes the core once, at its start,
/// and keeps it (a strong reference) until it is answered, so requests in flight finish on the core they began on.
final class CurrentCore: Sendable {
    private let core: Mutex<Gatehouse>

    init(_ core: Gatehouse) { self.core = Mutex(core) }

    /// The core for a request that starts now (an uncontended lock and a retain: a few dozen instructions).
    var app: Gatehouse { core.withLock { $0 } }

    /// From now on, `new` serves; the previous core lives on while a request still holds it.
    func replace(with new: Gatehouse) { core.withLock { $0 = new } }
}

/// Why a call to Redis failed. The message names what failed (connect, a command's name, a timeout), never a
/// password, a key's value or a command's arguments.
struct RedisError: Error, CustomStringConvertible {
    enum Kind {
        /// No connection: refused, unresolvable, timed out, or AUTH/SELECT refused.
        case connect
        /// The connection broke while in use (closed, reset, unreadable).
        case io
        /// Redis did not answer within the command timeout.
        case timeout
        /// Redis answered something this client does not understand.
        case protocolError
        /// Redis refused a command (`-ERR …`); the connection is still usable.
        case server
    }

    let kind: Kind
    let message: String

    init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// True when the connection it happened on can no longer be used: its owner drops it and connects again.
    var breaksConnection: Bool { kind != .server }

    var description: String {
        switch kind {
        case .connect: "cannot connect: \(message)"
        case .io: "connection lost: \(message)"
        case .timeout: "no answer in time: \(message)"
        case .protocolError: "unexpected reply: \(message)"
        case .server: "refused: \(message)"
        }
    }
}

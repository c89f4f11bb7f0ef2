import GatehouseCore

/// What the server asks of the application for one request: how much of its body to read, then the answer. The
/// server asks for the application once per request and uses that one for both, so a reload that swaps it
/// between the two cannot split a request across two configs.
public protocol FastCGIApplication: Sendable {
    /// How many body bytes to read for a request (its params known); 0: its stdin is never read.
    func bodyLimit(for request: Request) -> Int
    func handle(_ request: Request) -> Response
}

extension Gatehouse: FastCGIApplication {}

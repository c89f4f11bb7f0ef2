/// What the core needs from the network and from a JOSE library, as protocols: the executable plugs in
/// libcurl and libcjose; unit tests plug in fakes. Calls are blocking and made from a worker thread.

public struct OutboundRequest: Sendable, Equatable {
    public enum Method: String, Sendable { case get = "GET", post = "POST" }
    /// Which of the provider's endpoints is asked (for metrics; the transport ignores it).
    public enum Endpoint: String, Sendable, CaseIterable { case discovery, jwks, token, userinfo, introspection, other }
    public var method: Method
    public var url: String
    public var headers: [Response.Header]
    public var body: [UInt8]?
    public var endpoint: Endpoint

    public init(method: Method, url: String, headers: [Response.Header] = [], body: [UInt8]? = nil, endpoint: Endpoint = .other) {
        self.method = method; self.url = url; self.headers = headers; self.body = body; self.endpoint = endpoint
    }
}

public struct OutboundResponse: Sendable {
    public var status: Int
    public var body: [UInt8]
    public init(status: Int, body: [UInt8]) { self.status = status; self.body = body }
}

/// A failed exchange with the provider, before any HTTP status.
public struct OutboundError: Error, Sendable, CustomStringConvertible {
    public let isTimeout: Bool
    public let description: String
    public init(isTimeout: Bool, description: String) { self.isTimeout = isTimeout; self.description = description }
}

public protocol OutboundHTTP: Sendable {
    func send(_ request: OutboundRequest) throws(OutboundError) -> OutboundResponse
}

public protocol SignatureVerifying: Sendable {
    /// True when `compactJWS` verifies with the JWK (one key, JSON text). Throws for input it cannot parse.
    func verify(compactJWS: String, jwkJSON: String) throws -> Bool
}

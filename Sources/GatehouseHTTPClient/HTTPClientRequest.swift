/// One outgoing HTTP request. Header names and values are sent as given, after a check that they cannot
/// split the request (no CR, LF or NUL; names are RFC 9110 tokens).
public struct HTTPClientRequest: Sendable {
    /// An RFC 9110 method token: GET and POST as usual, HEAD without a body, anything else as a custom method.
    public var method: String
    /// An absolute http or https URL; every other scheme is refused.
    public var url: String
    public var headers: [(name: String, value: String)]
    /// Sent as the request body (POST, or a custom method). A GET or HEAD must have none.
    public var body: [UInt8]?

    public init(method: String = "GET", url: String, headers: [(name: String, value: String)] = [], body: [UInt8]? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

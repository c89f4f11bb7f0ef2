/// The final response to a request (after any 1xx interim responses, whose headers are dropped).
public struct HTTPClientResponse: Sendable {
    public var status: Int
    /// In the order received, names as the server spelled them, values without surrounding whitespace.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The first value of the header called `name`, compared without regard to ASCII case; nil when absent.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

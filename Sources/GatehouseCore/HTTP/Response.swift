/// What Gatehouse answers: a status, headers in order, and a body.
public struct Response: Sendable, Equatable {
    public var status: Int
    public var headers: [Header]
    public var body: [UInt8]

    public struct Header: Sendable, Equatable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) { self.name = name; self.value = value }

        /// Every answer about a person (pages, the check, redirects) is never cached by a browser or proxy.
        public static let noStore = Header("Cache-Control", "no-store")
    }

    public init(status: Int, headers: [Header] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveEquals(name) }?.value
    }

    public func headers(named name: String) -> [String] {
        headers.filter { $0.name.caseInsensitiveEquals(name) }.map(\.value)
    }

    public mutating func add(_ name: String, _ value: String) { headers.append(Header(name, value)) }

    public static func html(status: Int, _ page: String, headers: [Header] = []) -> Response {
        Response(status: status,
                 headers: [Header("Content-Type", "text/html; charset=utf-8"), .noStore] + headers,
                 body: Array(page.utf8))
    }

    public static func json(status: Int = 200, _ body: [UInt8], headers: [Header] = []) -> Response {
        Response(status: status,
                 headers: [Header("Content-Type", "application/json"), .noStore] + headers,
                 body: body)
    }

    public static func redirect(to location: String, headers: [Header] = []) -> Response {
        Response(status: 302, headers: [Header("Location", location), .noStore] + headers)
    }
}

extension String {
    func caseInsensitiveEquals(_ other: String) -> Bool {
        utf8.count == other.utf8.count && lowercased() == other.lowercased()
    }
}

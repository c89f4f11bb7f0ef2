/// Why a request got no response: the caller decides what to log and which HTTP status to answer with.
///
/// A struct over a private enum, so kinds can be added without breaking callers. Two errors are equal when they
/// are of the same kind (compare with `.timeout`, `.couldNotConnect`, ...); the detail is only for the log.
public struct HTTPClientError: Error, Equatable, CustomStringConvertible, Sendable {
    private enum Kind: Equatable, Sendable {
        case timeout, couldNotConnect, tls, responseTooLarge, invalidURL, invalidRequest, other
    }

    private let kind: Kind
    /// libcurl's message or our own; never the URL's query or a header value.
    let detail: String

    private init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    /// The connect or total timeout ran out.
    public static let timeout = HTTPClientError(.timeout, "")
    /// The host name did not resolve or nothing accepted the connection.
    public static let couldNotConnect = HTTPClientError(.couldNotConnect, "")
    /// The TLS handshake failed, or the peer's certificate or host name did not verify.
    public static let tls = HTTPClientError(.tls, "")
    /// The response body was larger than `HTTPClientOptions.maxResponseBytes` (or its headers unreasonably long).
    public static let responseTooLarge = HTTPClientError(.responseTooLarge, "")
    /// Not an absolute http or https URL.
    public static let invalidURL = HTTPClientError(.invalidURL, "")
    /// A method or header that cannot be sent safely, or a body on a GET or HEAD.
    public static let invalidRequest = HTTPClientError(.invalidRequest, "")
    /// Anything else libcurl reported.
    public static let other = HTTPClientError(.other, "")

    static func timeout(_ detail: String) -> HTTPClientError { HTTPClientError(.timeout, detail) }
    static func couldNotConnect(_ detail: String) -> HTTPClientError { HTTPClientError(.couldNotConnect, detail) }
    static func tls(_ detail: String) -> HTTPClientError { HTTPClientError(.tls, detail) }
    static func responseTooLarge(_ detail: String) -> HTTPClientError { HTTPClientError(.responseTooLarge, detail) }
    static func invalidURL(_ detail: String) -> HTTPClientError { HTTPClientError(.invalidURL, detail) }
    static func invalidRequest(_ detail: String) -> HTTPClientError { HTTPClientError(.invalidRequest, detail) }
    static func other(_ detail: String) -> HTTPClientError { HTTPClientError(.other, detail) }

    public var isTimeout: Bool { kind == .timeout }

    public static func == (lhs: HTTPClientError, rhs: HTTPClientError) -> Bool { lhs.kind == rhs.kind }

    public var description: String {
        switch kind {
        case .timeout: "the request timed out: \(detail)"
        case .couldNotConnect: "could not connect: \(detail)"
        case .tls: "TLS failed (check the server's certificate, its host name, and caFile): \(detail)"
        case .responseTooLarge: "the response was too large: \(detail)"
        case .invalidURL: "the URL cannot be fetched (only absolute http and https URLs are): \(detail)"
        case .invalidRequest: "the request cannot be sent: \(detail)"
        case .other: "the request failed: \(detail)"
        }
    }
}

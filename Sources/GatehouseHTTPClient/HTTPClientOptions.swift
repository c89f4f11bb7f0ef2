/// Limits and trust for every request a `CurlHTTPClient` makes.
public struct HTTPClientOptions: Sendable {
    /// Time allowed to set up the connection, TLS included. Default 5 s.
    public var connectTimeout: Duration
    /// Time allowed for the whole request, connecting included. Default 10 s.
    public var totalTimeout: Duration
    /// Largest response body accepted; a larger one aborts the transfer (`HTTPClientError.responseTooLarge`).
    /// Default 1 MiB.
    public var maxResponseBytes: Int
    /// PEM file of the CAs to trust instead of the system's; nil for the system's. Peer and host name are
    /// always verified either way.
    public var caFile: String?

    public init(connectTimeout: Duration = .seconds(5), totalTimeout: Duration = .seconds(10),
                maxResponseBytes: Int = 1 << 20, caFile: String? = nil) {
        self.connectTimeout = connectTimeout
        self.totalTimeout = totalTimeout
        self.maxResponseBytes = maxResponseBytes
        self.caFile = caFile
    }
}

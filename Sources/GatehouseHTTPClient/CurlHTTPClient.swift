internal import CCurl

/// Blocking HTTP(S) over libcurl, for talking to the OpenID provider: http and https only, redirects returned
/// rather than followed, TLS peer and host always verified, time and response size bounded. Logs nothing.
public final class CurlHTTPClient: Sendable {
    private let options: HTTPClientOptions
    /// Whether libcurl's one-time global set-up succeeded; checked before each request.
    private let curlReady: Bool

    /// curl_global_init, run once per process before the first easy handle: a static is initialised exactly
    /// once, thread-safely, however many clients are made on however many threads.
    private static let globalInit: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

    public init(options: HTTPClientOptions) {
        self.options = options
        curlReady = Self.globalInit == CURLE_OK
    }

    /// Blocking; safe to call from many threads at once (one easy handle per call, curl_global_init done once).
    /// Any status the server answers with is a response, 3xx and 5xx included; only a failed transfer throws.
    public func perform(_ request: HTTPClientRequest) throws(HTTPClientError) -> HTTPClientResponse {
        guard curlReady else { throw .other("curl_global_init failed") }
        try request.check()
        let handle = try EasyHandle(maxResponseBytes: options.maxResponseBytes)
        try handle.configure(request, options: options)
        return try handle.perform()
    }
}

internal import CCurl
import Foundation

public struct HTTPClientRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]?

    public init(method: String = "GET", url: String, headers: [(name: String, value: String)] = [], body: [UInt8]? = nil) {
        self.method = method; self.url = url; self.headers = headers; self.body = body
    }
}

public struct HTTPClientResponse: Sendable {
    public var status: Int
    public var body: [UInt8]
}

public struct HTTPClientOptions: Sendable {
    public var connectTimeout: Duration
    public var totalTimeout: Duration
    public var maxResponseBytes: Int
    public var caFile: String?

    public init(connectTimeout: Duration = .seconds(5), totalTimeout: Duration = .seconds(10), maxResponseBytes: Int = 1 << 20, caFile: String? = nil) {
        self.connectTimeout = connectTimeout; self.totalTimeout = totalTimeout; self.maxResponseBytes = maxResponseBytes; self.caFile = caFile
    }
}

public struct HTTPClientError: Error, Equatable, Sendable, CustomStringConvertible {
    public let isTimeout: Bool
    public let description: String
}

/// Blocking HTTP(S) over libcurl for talking to the provider: http and https only, no redirects followed,
/// TLS always verified, bounded time and size. Safe from many threads at once: one easy handle per call.
public final class CurlHTTPClient: Sendable {
    let options: HTTPClientOptions

    private static let globalInit: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

    public init(options: HTTPClientOptions) {
        self.options = options
        // Done once per process, before any thread uses curl (curl_global_init is not thread-safe).
        precondition(Self.globalInit, "curl_global_init failed")
    }

    public func perform(_ request: HTTPClientRequest) throws(HTTPClientError) -> HTTPClientResponse {
        guard let handle = EasyHandle() else { throw HTTPClientError(isTimeout: false, description: "curl_easy_init failed") }
        return try handle.perform(request, options: options)
    }
}

/// Owns one CURL easy handle and its header list; both freed in deinit.
private final class EasyHandle {
    let curl: UnsafeMutableRawPointer
    var headerList: UnsafeMutablePointer<curl_slist>?
    /// The response body, collected by the write callback; `overflow` once it passed the limit.
    var body: [UInt8] = []
    var limit = 0
    var overflow = false

    init?() {
        guard let c = curl_easy_init() else { return nil }
        curl = c
    }

    deinit {
        curl_easy_cleanup(curl)
        if let headerList { curl_slist_free_all(headerList) }
    }

    func perform(_ request: HTTPClientRequest, options: HTTPClientOptions) throws(HTTPClientError) -> HTTPClientResponse {
        let lower = request.url.lowercased()
        guard lower.hasPrefix("https://") || lower.hasPrefix("http://") else {
            throw HTTPClientError(isTimeout: false, description: "only http and https URLs are fetched")
        }
        limit = options.maxResponseBytes
        var ok = true
        func set(_ result: CURLcode) { ok = ok && result == CURLE_OK }
        set(gh_curl_setopt_string(curl, CURLOPT_URL, request.url))
        set(gh_curl_setopt_string(curl, CURLOPT_PROTOCOLS_STR, "http,https"))
        set(gh_curl_setopt_long(curl, CURLOPT_FOLLOWLOCATION, 0))
        set(gh_curl_setopt_long(curl, CURLOPT_NOSIGNAL, 1))
        set(gh_curl_setopt_long(curl, CURLOPT_SSL_VERIFYPEER, 1))
        set(gh_curl_setopt_long(curl, CURLOPT_SSL_VERIFYHOST, 2))
        set(gh_curl_setopt_long(curl, CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(options.connectTimeout)))
        set(gh_curl_setopt_long(curl, CURLOPT_TIMEOUT_MS, Self.milliseconds(options.totalTimeout)))
        if let ca = options.caFile { set(gh_curl_setopt_string(curl, CURLOPT_CAINFO, ca)) }
        set(gh_curl_setopt_string(curl, CURLOPT_USERAGENT, "Gatehouse"))
        for h in request.headers {
            guard let appended = curl_slist_append(headerList, "\(h.name): \(h.value)") else { ok = false; break }
            headerList = appended
        }
        if let headerList { set(gh_curl_setopt_slist(curl, CURLOPT_HTTPHEADER, headerList)) }
        set(gh_curl_setopt_write(curl, CURLOPT_WRITEFUNCTION, writeCallback))
        set(gh_curl_setopt_pointer(curl, CURLOPT_WRITEDATA, Unmanaged.passUnretained(self).toOpaque()))
        let body = request.body ?? []
        if request.method == "POST" {
            set(gh_curl_setopt_long(curl, CURLOPT_POST, 1))
            set(gh_curl_setopt_long(curl, CURLOPT_POSTFIELDSIZE, body.count))
        }
        guard ok else { throw HTTPClientError(isTimeout: false, description: "could not set up the request") }
        let code: CURLcode = body.withUnsafeBufferPointer { buf in
            // COPYPOSTFIELDS copies the bytes, so the buffer need only live for this call.
            if request.method == "POST" {
                let r = buf.baseAddress.map { gh_curl_setopt_pointer(curl, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: $0)) } ?? gh_curl_setopt_string(curl, CURLOPT_COPYPOSTFIELDS, "")
                if r != CURLE_OK { return r }
            }
            return curl_easy_perform(curl)
        }
        if overflow { throw HTTPClientError(isTimeout: false, description: "response larger than \(limit) bytes") }
        guard code == CURLE_OK else {
            throw HTTPClientError(isTimeout: code == CURLE_OPERATION_TIMEDOUT, description: String(cString: curl_easy_strerror(code)))
        }
        var status = 0
        guard gh_curl_getinfo_long(curl, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK else {
            throw HTTPClientError(isTimeout: false, description: "no HTTP status")
        }
        return HTTPClientResponse(status: status, body: self.body)
    }

    fileprivate func append(_ data: UnsafeRawBufferPointer) -> Bool {
        guard body.count + data.count <= limit else { overflow = true; return false }
        body.append(contentsOf: data)
        return true
    }

    static func milliseconds(_ d: Duration) -> Int {
        let c = d.components
        return Int(c.seconds) * 1000 + Int(c.attoseconds / 1_000_000_000_000_000)
    }
}

/// libcurl's write callback: appends to the EasyHandle passed as userdata; returning less than given aborts.
private let writeCallback: gh_curl_write_cb = { pointer, size, count, userdata in
    guard let pointer, let userdata else { return 0 }
    let handle = Unmanaged<EasyHandle>.fromOpaque(userdata).takeUnretainedValue()
    let total = size * count
    return handle.append(UnsafeRawBufferPointer(start: pointer, count: total)) ? total : 0
}

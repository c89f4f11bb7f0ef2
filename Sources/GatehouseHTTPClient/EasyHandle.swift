internal import CCurl

/// Owns one libcurl easy handle for one request, with everything libcurl keeps pointers to while it runs:
/// the header list, the request body, the error buffer and the response collector. All freed in deinit.
/// Used by one thread, for one transfer, then dropped.
final class EasyHandle {
    static let userAgent = "Gatehouse"

    private let curl: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private var headerList: UnsafeMutablePointer<curl_slist>?
    /// The request body, copied to memory this handle owns: CURLOPT_POSTFIELDS does not copy.
    private var requestBody: UnsafeMutableRawBufferPointer?
    /// Target of the write and header callbacks, which get it back through an unretained pointer; this
    /// stored property keeps it alive for as long as libcurl holds that pointer.
    private let collector: ResponseCollector

    init(maxResponseBytes: Int) throws(HTTPClientError) {
        guard let curl = curl_easy_init() else { throw .other("curl_easy_init failed") }
        self.curl = curl
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        collector = ResponseCollector(maxBodyBytes: maxResponseBytes)
    }

    deinit {
        curl_easy_cleanup(curl)
        curl_slist_free_all(headerList)
        requestBody?.deallocate()
        errorBuffer.deallocate()
    }

    /// Sets every option for `request`. The request must have passed `check()`.
    func configure(_ request: HTTPClientRequest, options: HTTPClientOptions) throws(HTTPClientError) {
        try set(CURLOPT_ERRORBUFFER, pointer: UnsafeMutableRawPointer(errorBuffer))
        try set(CURLOPT_URL, request.url)
        // Only http and https, also for any redirect, and no redirect is ever followed: the caller sees the 3xx.
        try set(CURLOPT_PROTOCOLS_STR, "http,https")
        try set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https")
        try set(CURLOPT_FOLLOWLOCATION, 0)
        // No signals: libcurl otherwise uses SIGALRM for DNS timeouts, which is unsafe with threads.
        try set(CURLOPT_NOSIGNAL, 1)
        try set(CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(options.connectTimeout))
        try set(CURLOPT_TIMEOUT_MS, Self.milliseconds(options.totalTimeout))
        try set(CURLOPT_SSL_VERIFYPEER, 1)
        try set(CURLOPT_SSL_VERIFYHOST, 2)
        try set(CURLOPT_SSLVERSION, CURL_SSLVERSION_TLSv1_2)
        if let caFile = options.caFile {
            guard !caFile.utf8.contains(0) else { throw .invalidRequest("caFile contains a NUL byte") }
            try set(CURLOPT_CAINFO, caFile)
        }
        // Refused early when a Content-Length announces too much; the write callback enforces the limit for the
        // rest (and alone when it is 0, which libcurl reads as "no limit").
        try set(CURLOPT_MAXFILESIZE_LARGE, offset: Int64(max(0, options.maxResponseBytes)))
        try set(CURLOPT_USERAGENT, Self.userAgent)

        try setHeaders(request.headers)
        try setMethodAndBody(request.method, request.body)

        let context = Unmanaged.passUnretained(collector).toOpaque()
        try set(CURLOPT_WRITEFUNCTION, callback: receiveBody)
        try set(CURLOPT_WRITEDATA, pointer: context)
        try set(CURLOPT_HEADERFUNCTION, callback: receiveHeaderLine)
        try set(CURLOPT_HEADERDATA, pointer: context)
    }

    /// Runs the transfer on this thread and returns the final response.
    func perform() throws(HTTPClientError) -> HTTPClientResponse {
        // The callbacks reach `collector` through an unretained pointer: keep it alive across the whole call.
        let code = withExtendedLifetime(collector) { curl_easy_perform(curl) }
        guard code == CURLE_OK else {
            let detail = errorBuffer[0] != 0 ? String(cString: errorBuffer) : String(cString: curl_easy_strerror(code))
            throw .from(code, detail: detail, overflow: collector.overflow)
        }
        var status = 0
        let info = gh_curl_getinfo_long(curl, CURLINFO_RESPONSE_CODE, &status)
        guard info == CURLE_OK else { throw .other("no response code: \(String(cString: curl_easy_strerror(info)))") }
        return HTTPClientResponse(status: status, headers: collector.headers, body: collector.body)
    }

    private func setHeaders(_ headers: [(name: String, value: String)]) throws(HTTPClientError) {
        var lines = headers.map { header in
            // "Name:" would remove a header libcurl adds; "Name;" is libcurl's way to send it empty.
            header.value.isEmpty ? "\(header.name);" : "\(header.name): \(header.value)"
        }
        // No "Expect: 100-continue" on larger bodies: a server that ignores it costs a one-second stall.
        if !headers.contains(where: { $0.name.lowercased() == "expect" }) { lines.append("Expect:") }
        for line in lines {
            guard let list = curl_slist_append(headerList, line) else { throw .other("curl_slist_append failed") }
            headerList = list
        }
        try set(CURLOPT_HTTPHEADER, list: headerList)
    }

    private func setMethodAndBody(_ method: String, _ body: [UInt8]?) throws(HTTPClientError) {
        switch method {
        case "GET": try set(CURLOPT_HTTPGET, 1)
        case "HEAD": try set(CURLOPT_NOBODY, 1)
        case "POST": try set(CURLOPT_POST, 1)
        default: try set(CURLOPT_CUSTOMREQUEST, method)
        }
        guard method == "POST" || body != nil else { return }
        let bytes = body ?? []
        // One byte at least, so the pointer is never NULL (NULL would make libcurl read from a callback).
        let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, bytes.count), alignment: 1)
        requestBody = copy
        bytes.withUnsafeBytes { copy.copyMemory(from: $0) }
        try set(CURLOPT_POSTFIELDSIZE_LARGE, offset: Int64(bytes.count))
        try set(CURLOPT_POSTFIELDS, pointer: copy.baseAddress)
    }

    // MARK: curl_easy_setopt, typed; every result checked here

    private func set(_ option: CURLoption, _ value: Int) throws(HTTPClientError) {
        try check(option, gh_curl_setopt_long(curl, option, value))
    }

    private func set(_ option: CURLoption, _ value: String) throws(HTTPClientError) {
        // libcurl copies string options (all but POSTFIELDS), so a temporary C string is enough.
        try check(option, gh_curl_setopt_string(curl, option, value))
    }

    private func set(_ option: CURLoption, offset value: Int64) throws(HTTPClientError) {
        try check(option, gh_curl_setopt_off_t(curl, option, curl_off_t(value)))
    }

    private func set(_ option: CURLoption, pointer value: UnsafeMutableRawPointer?) throws(HTTPClientError) {
        try check(option, gh_curl_setopt_pointer(curl, option, value))
    }

    private func set(_ option: CURLoption, list value: UnsafeMutablePointer<curl_slist>?) throws(HTTPClientError) {
        try check(option, gh_curl_setopt_slist(curl, option, value))
    }

    private func set(_ option: CURLoption, callback value: gh_curl_write_cb) throws(HTTPClientError) {
        try check(option, gh_curl_setopt_write(curl, option, value))
    }

    private func check(_ option: CURLoption, _ code: CURLcode) throws(HTTPClientError) {
        guard code == CURLE_OK else {
            throw .other("curl_easy_setopt(\(option.rawValue)) failed: \(String(cString: curl_easy_strerror(code)))")
        }
    }

    /// A timeout for libcurl: whole milliseconds, at least 1 (0 would mean "no timeout").
    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return 1 }
        guard seconds < Int64(Int.max / 1000) - 1 else { return Int.max }
        let ms = Int(seconds) * 1000 + Int((attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
        return max(1, ms)
    }
}

/// CURLOPT_WRITEFUNCTION: hands a piece of the body to the ResponseCollector behind `userdata`. Returning
/// less than it was given makes libcurl abort the transfer with CURLE_WRITE_ERROR.
private let receiveBody: gh_curl_write_cb = { data, size, count, userdata in
    guard let userdata else { return 0 }
    let total = size * count
    guard total > 0, let data else { return total }
    let collector = Unmanaged<ResponseCollector>.fromOpaque(userdata).takeUnretainedValue()
    return collector.receiveBody(UnsafeRawBufferPointer(start: data, count: total)) ? total : 0
}

/// CURLOPT_HEADERFUNCTION: one complete header line (status line, field, or the blank line) per call.
private let receiveHeaderLine: gh_curl_write_cb = { data, size, count, userdata in
    guard let userdata else { return 0 }
    let total = size * count
    guard total > 0, let data else { return total }
    let collector = Unmanaged<ResponseCollector>.fromOpaque(userdata).takeUnretainedValue()
    return collector.receiveHeaderLine(UnsafeRawBufferPointer(start: data, count: total)) ? total : 0
}

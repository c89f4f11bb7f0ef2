extension HTTPClientRequest {
    /// Refuses what must not reach libcurl: a URL that is not absolute http(s) or holds control characters or
    /// spaces (a NUL would silently cut the C string), a method or header that could split the request, and a
    /// body on GET or HEAD. libcurl is also limited to http and https; this check gives the clearer message.
    func check() throws(HTTPClientError) {
        let lowerURL = url.lowercased()
        guard lowerURL.hasPrefix("http://") || lowerURL.hasPrefix("https://") else {
            throw .invalidURL("the scheme is not http or https")
        }
        guard url.utf8.allSatisfy({ $0 > 0x20 && $0 != 0x7F }) else {
            throw .invalidURL("the URL contains a space or a control character")
        }
        guard Self.isToken(method) else { throw .invalidRequest("the method is not an HTTP token") }
        if method == "GET" || method == "HEAD", body != nil { throw .invalidRequest("a \(method) request carries no body") }
        for header in headers {
            guard Self.isToken(header.name) else { throw .invalidRequest("a header name is not an HTTP token") }
            guard header.value.utf8.allSatisfy({ $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }) else {
                throw .invalidRequest("the value of header \(header.name) contains a control character")
            }
        }
    }

    /// RFC 9110 section 5.6.2: one or more of the token characters.
    static func isToken(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"): true
            default: "!#$%&'*+-.^_`|~".utf8.contains(byte)
            }
        }
    }
}

/// Reads the `Cookie` request header. Pairs keep their order; a name seen twice keeps its first value
/// (the more specific path, as browsers send it first).
public struct RequestCookies: Sendable {
    private var values: [String: String] = [:]
    public private(set) var names: [String] = []

    /// Headers over this size are not parsed at all: no session, not a slow parse.
    public static let maxHeaderBytes = 16 * 1024

    /// Works on UTF-8 bytes: this runs on every auth check, and Character-level trimming of a long sealed
    /// value cost more than the AES-GCM that follows.
    public init(header: String?) {
        guard let header, header.utf8.count <= Self.maxHeaderBytes else { return }
        var utf8 = header
        utf8.withUTF8 { bytes in
            var start = 0
            while start < bytes.count {
                var end = start
                while end < bytes.count && bytes[end] != UInt8(ascii: ";") { end += 1 }
                parsePair(bytes, start, end)
                start = end + 1
            }
        }
    }

    private mutating func parsePair(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) {
        func isSpace(_ b: UInt8) -> Bool { b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") }
        var lo = start, hi = end
        while lo < hi && isSpace(bytes[lo]) { lo += 1 }
        while hi > lo && isSpace(bytes[hi - 1]) { hi -= 1 }
        guard let eq = (lo..<hi).first(where: { bytes[$0] == UInt8(ascii: "=") }) else { return }
        var nameEnd = eq
        while nameEnd > lo && isSpace(bytes[nameEnd - 1]) { nameEnd -= 1 }
        var valueStart = eq + 1
        while valueStart < hi && isSpace(bytes[valueStart]) { valueStart += 1 }
        var valueEnd = hi
        if valueEnd - valueStart >= 2 && bytes[valueStart] == UInt8(ascii: "\"") && bytes[valueEnd - 1] == UInt8(ascii: "\"") {
            valueStart += 1
            valueEnd -= 1
        }
        guard nameEnd > lo else { return }
        let name = String(decoding: UnsafeBufferPointer(rebasing: bytes[lo..<nameEnd]), as: UTF8.self)
        guard values[name] == nil else { return }
        values[name] = String(decoding: UnsafeBufferPointer(rebasing: bytes[valueStart..<valueEnd]), as: UTF8.self)
        names.append(name)
    }

    public subscript(name: String) -> String? { values[name] }
}

/// One `Set-Cookie` header, built from typed attributes.
public struct SetCookie: Sendable, Equatable {
    public enum SameSite: String, Sendable { case lax = "Lax", strict = "Strict", none = "None" }

    public var name: String
    public var value: String
    public var path: String = "/"
    public var domain: String?
    /// Seconds; 0 deletes the cookie. nil makes a browser-session cookie.
    public var maxAge: Int64?
    public var secure = true
    public var httpOnly = true
    public var sameSite: SameSite = .lax

    public init(name: String, value: String, path: String = "/", domain: String? = nil, maxAge: Int64? = nil,
                secure: Bool = true, httpOnly: Bool = true, sameSite: SameSite = .lax) {
        self.name = name; self.value = value; self.path = path; self.domain = domain
        self.maxAge = maxAge; self.secure = secure; self.httpOnly = httpOnly; self.sameSite = sameSite
    }

    public var headerValue: String {
        var parts = ["\(name)=\(value)", "Path=\(path)"]
        if let domain { parts.append("Domain=\(domain)") }
        if let maxAge {
            parts.append("Max-Age=\(maxAge)")
            if maxAge == 0 { parts.append("Expires=Thu, 01 Jan 1970 00:00:00 GMT") }
        }
        if secure { parts.append("Secure") }
        if httpOnly { parts.append("HttpOnly") }
        parts.append("SameSite=\(sameSite.rawValue)")
        return parts.joined(separator: "; ")
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        let body = drop { $0 == " " || $0 == "\t" }
        guard let last = body.lastIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        return String(body[...last])
    }
}

/// Reads the `Cookie` request header. Pairs keep their order; a name seen twice keeps its first value
/// (the more specific path, as browsers send it first).
///
/// Parsed once into byte ranges of the header, never into a dictionary: the check reads one cookie (or its
/// chunks) out of headers that often carry a dozen, so a value becomes a `String` only when it is asked for.
public struct RequestCookies: Sendable {
    private let header: String
    /// Name and value of each pair, as byte offsets into `header`, in order (first of a name wins on lookup).
    private var pairs: [(name: Range<Int>, value: Range<Int>)] = []

    /// Headers over this size are not parsed at all: no session, not a slow parse.
    public static let maxHeaderBytes = 16 * 1024

    /// Works on UTF-8 bytes: this runs on every auth check, and Character-level trimming of a long sealed
    /// value cost more than the AES-GCM that follows.
    public init(header: String?) {
        guard var header, header.utf8.count <= Self.maxHeaderBytes else { self.header = ""; return }
        self.header = header
        var found: [(name: Range<Int>, value: Range<Int>)] = []
        header.withUTF8 { bytes in
            var start = 0
            while start < bytes.count {
                var end = start
                while end < bytes.count && bytes[end] != UInt8(ascii: ";") { end += 1 }
                if let pair = Self.pair(bytes, start, end) { found.append(pair) }
                start = end + 1
            }
        }
        pairs = found
    }

    private static func pair(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> (name: Range<Int>, value: Range<Int>)? {
        func isSpace(_ b: UInt8) -> Bool { b == UInt8(ascii: " ") || b == UInt8(ascii: "\t") }
        var lo = start, hi = end
        while lo < hi && isSpace(bytes[lo]) { lo += 1 }
        while hi > lo && isSpace(bytes[hi - 1]) { hi -= 1 }
        var eq = lo
        while eq < hi && bytes[eq] != UInt8(ascii: "=") { eq += 1 }
        guard eq < hi else { return nil }
        var nameEnd = eq
        while nameEnd > lo && isSpace(bytes[nameEnd - 1]) { nameEnd -= 1 }
        var valueStart = eq + 1
        while valueStart < hi && isSpace(bytes[valueStart]) { valueStart += 1 }
        var valueEnd = hi
        if valueEnd - valueStart >= 2 && bytes[valueStart] == UInt8(ascii: "\"") && bytes[valueEnd - 1] == UInt8(ascii: "\"") {
            valueStart += 1
            valueEnd -= 1
        }
        guard nameEnd > lo else { return nil }
        return (lo..<nameEnd, valueStart..<valueEnd)
    }

    /// The value of the first pair with exactly this name.
    public subscript(name: String) -> String? {
        guard !pairs.isEmpty else { return nil }
        var name = name, header = header
        return name.withUTF8 { wanted in
            header.withUTF8 { bytes in
                for pair in pairs where pair.name.count == wanted.count
                    && UnsafeBufferPointer(rebasing: bytes[pair.name]).elementsEqual(wanted) {
                    return String(decoding: UnsafeBufferPointer(rebasing: bytes[pair.value]), as: UTF8.self)
                }
                return nil
            }
        }
    }

    /// The names of the pairs, in order, each once.
    public var names: [String] {
        var seen: Set<String> = []
        return pairs.compactMap { pair in
            let name = String(decoding: Array(header.utf8)[pair.name], as: UTF8.self)
            return seen.insert(name).inserted ? name : nil
        }
    }
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

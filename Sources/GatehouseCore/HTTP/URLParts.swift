/// A strict split of an absolute http(s) URL. No percent-decoding, no normalisation: callers that
/// make security decisions (return URLs) apply their own rules on top (see ReturnURL).
public struct URLParts: Sendable, Equatable {
    public var scheme: String
    /// Lower-cased host without brackets or port.
    public var host: String
    public var port: Int?
    /// The path as written, starting with `/` (or empty).
    public var path: String
    public var query: String?

    public init?(_ text: String) {
        // No spaces, controls or non-ASCII anywhere: such a URL could split a Location header.
        guard text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }), let sep = text.range(of: "://") else { return nil }
        let scheme = text[..<sep.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { return nil }
        let rest = text[sep.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard !authority.isEmpty, !authority.contains("@"), !authority.contains("\\") else { return nil }
        var host = Substring(authority)
        var port: Int?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = authority[authority.index(after: authority.startIndex)..<close]
            // Brackets hold an IPv6 literal only: `[app.example.com]` is no spelling of that host.
            guard host.contains(":"), host.utf8.allSatisfy({ $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") || ($0 >= 48 && $0 <= 57)
                || ($0 >= 65 && $0 <= 70) || ($0 >= 97 && $0 <= 102) }) else { return nil }
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":"), let p = Int(after.dropFirst()), (1...65535).contains(p) else { return nil }
                port = p
            }
        } else if let colon = authority.lastIndex(of: ":") {
            guard let p = Int(authority[authority.index(after: colon)...]), (1...65535).contains(p) else { return nil }
            port = p
            host = authority[..<colon]
        }
        guard !host.isEmpty, host.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        self.scheme = scheme
        self.host = host.lowercased()
        self.port = port
        var tail = rest[authorityEnd...]
        if let hash = tail.firstIndex(of: "#") { tail = tail[..<hash] }
        if let q = tail.firstIndex(of: "?") {
            path = String(tail[..<q])
            query = String(tail[tail.index(after: q)...])
        } else {
            path = String(tail)
            query = nil
        }
    }

    /// `scheme://host[:port]`, the port omitted when it is the scheme's default.
    public var origin: String {
        let h = host.contains(":") ? "[\(host)]" : host
        guard let port, port != (scheme == "https" ? 443 : 80) else { return "\(scheme)://\(h)" }
        return "\(scheme)://\(h):\(port)"
    }
}

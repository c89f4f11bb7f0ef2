/// Decides where a browser may be sent back to after login or logout: a same-site path, or an absolute
/// http(s) URL whose host is explicitly allowed. Everything else becomes `/`. Small on purpose; the attack
/// corpus in the tests is its specification.
public struct ReturnURL: Sendable {
    /// Exact hosts, or `.example.com` for example.com and its subdomains.
    public let allowedHosts: [String]

    public init(allowedHosts: [String]) { self.allowedHosts = allowedHosts.map { $0.lowercased() } }

    public func validate(_ candidate: String?) -> String {
        guard let candidate, isSafe(candidate) else { return "/" }
        return candidate
    }

    func isSafe(_ url: String) -> Bool {
        let bytes = Array(url.utf8)
        guard !bytes.isEmpty, bytes.count <= 4096,
              // Printable ASCII only: no control bytes, spaces, backslashes, or Unicode look-alike slashes.
              bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\\") }) else { return false }
        if url.hasPrefix("/") { return isSafePath(url) }
        guard let parts = URLParts(url), hostAllowed(parts.host), isSafePath(parts.path.isEmpty ? "/" : parts.path) else { return false }
        // URLParts accepted exactly `scheme://host[:port]`; refuse spellings where a browser could see another host.
        let lower = url.lowercased()
        return lower.hasPrefix("https://") || lower.hasPrefix("http://")
    }

    /// A path must stay a path after every layer of percent-decoding a server or browser might apply.
    func isSafePath(_ path: String) -> Bool {
        var current = path
        for _ in 0..<4 {
            guard current.hasPrefix("/"), !current.hasPrefix("//"), !current.hasPrefix("/\\"),
                  current.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F && $0 != "\\" }) else { return false }
            guard current.contains("%") else { return true }
            guard let decoded = PercentEncoding.decode(current, plusAsSpace: false) else { return false }
            if decoded == current { return true }
            current = decoded
        }
        return false
    }

    func hostAllowed(_ host: String) -> Bool {
        allowedHosts.contains { HostPattern.matches($0, host) }
    }
}

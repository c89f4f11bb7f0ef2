/// What a request says about the page the user asked for, read once per request from the FastCGI params.
/// X-Forwarded-* headers count only when the client address is a configured trusted proxy.
public struct RequestContext: Sendable {
    public let request: Request
    public let cookies: RequestCookies
    /// The original request's path and query, if it is a well-formed origin-form URI (starts with one `/`,
    /// no control characters); nil otherwise.
    public let originalURI: String?
    /// The client address is a configured trusted proxy: its X-Forwarded-* headers count.
    let fromTrustedProxy: Bool

    public init(_ request: Request, trustedProxies: [IPRange]) {
        self.request = request
        cookies = RequestCookies(header: request.header(.cookie))
        fromTrustedProxy = request[param: "REMOTE_ADDR"].map { addr in trustedProxies.contains { $0.contains(addr) } } ?? false
        let forwardedURI = fromTrustedProxy ? request.header(.xForwardedURI) ?? request.header(.xOriginalURI) : nil
        originalURI = Self.originForm(forwardedURI ?? request.requestURI)
    }

    /// Computed when asked (the check never asks).
    public var scheme: String {
        if fromTrustedProxy, let proto = request.header(.xForwardedProto)?.lowercased(), proto == "https" || proto == "http" {
            return proto
        } else if let s = request[param: "REQUEST_SCHEME"], s == "https" || s == "http" {
            return s
        } else {
            return (request[param: "HTTPS"].map { $0.lowercased() == "on" || $0 == "1" } ?? false) ? "https" : "http"
        }
    }

    /// Computed when asked (the check never asks).
    public var host: String? {
        let hostHeader = fromTrustedProxy ? request.header(.xForwardedHost) ?? request.header(.host) : request.header(.host)
        return hostHeader.flatMap(Self.validHost)
    }

    /// Is this a page navigation (send the person to a login page) rather than an API call (plain 401)?
    public var isNavigation: Bool {
        if let mode = request.header(.secFetchMode)?.lowercased() { return mode == "navigate" }
        if request.header(.xRequestedWith)?.lowercased() == "xmlhttprequest" { return false }
        if let accept = request.header(.accept)?.lowercased(), accept.contains("application/json"), !accept.contains("text/html") {
            return false
        }
        let method = request.method.uppercased()
        return method == "GET" || method == "HEAD"
    }

    static func originForm(_ uri: String) -> String? {
        guard uri.hasPrefix("/"), !uri.hasPrefix("//"), uri.utf8.count <= 8192,
              uri.utf8.allSatisfy({ $0 > 0x20 && $0 != 0x7F && $0 != UInt8(ascii: "\\") }) else { return nil }
        return uri
    }

    static func validHost(_ h: String) -> String? {
        let lower = h.lowercased()
        guard !lower.isEmpty, lower.utf8.count <= 255,
              lower.utf8.allSatisfy({ ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || "-.:[]".utf8.contains($0) }) else { return nil }
        return lower
    }
}

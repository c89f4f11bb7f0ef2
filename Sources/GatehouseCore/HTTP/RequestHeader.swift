/// A request header as FastCGI names it (`Sec-Fetch-Mode` arrives as the param `HTTP_SEC_FETCH_MODE`). The
/// headers the core reads on every request have their param names built once, here, not per lookup.
public struct RequestHeader: Sendable {
    public let param: String

    public init(_ name: String) {
        param = "HTTP_" + Request.paramName(forHeader: name)
    }

    static let cookie = RequestHeader("Cookie")
    static let authorization = RequestHeader("Authorization")
    static let host = RequestHeader("Host")
    static let accept = RequestHeader("Accept")
    static let origin = RequestHeader("Origin")
    static let secFetchMode = RequestHeader("Sec-Fetch-Mode")
    static let secFetchSite = RequestHeader("Sec-Fetch-Site")
    static let xRequestedWith = RequestHeader("X-Requested-With")
    static let xForwardedURI = RequestHeader("X-Forwarded-Uri")
    static let xOriginalURI = RequestHeader("X-Original-URI")
    static let xForwardedProto = RequestHeader("X-Forwarded-Proto")
    static let xForwardedHost = RequestHeader("X-Forwarded-Host")
}

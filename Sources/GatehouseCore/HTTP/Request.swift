/// The FastCGI role the web server asked Gatehouse to play for one request.
public enum FastCGIRole: Sendable, Equatable {
    /// nginx `fastcgi_pass` and `auth_request`: a normal response; for the check, 2xx/401/403.
    case responder
    /// Apache mod_authnz_fcgi and lighttpd `"mode" => "authorizer"`: exactly 200 allows, with `Variable-*` headers.
    case authorizer
}

/// One request as Gatehouse sees it: the FastCGI params of the web server, and a body only where
/// `Gatehouse.bodyLimit(for:)` asks the edge for one (back-channel logout; Authorizer servers send none).
public struct Request: Sendable {
    public var role: FastCGIRole
    /// CGI/FastCGI params. For a duplicated name the first value is read, as libfcgi's own lookup does.
    public var params: FastCGIParams
    /// The body, read by the edge only up to `Gatehouse.bodyLimit(for:)`; empty for every other request.
    public var body: [UInt8]
    /// The client sent more than the limit (the edge stopped reading): the route answers 413.
    public var bodyTooLarge: Bool

    public init(role: FastCGIRole = .responder, params: FastCGIParams, body: [UInt8] = [], bodyTooLarge: Bool = false) {
        self.role = role
        self.params = params
        self.body = body
        self.bodyTooLarge = bodyTooLarge
    }

    public init(role: FastCGIRole = .responder, params: [String: String], body: [UInt8] = [], bodyTooLarge: Bool = false) {
        self.init(role: role, params: FastCGIParams(params), body: body, bodyTooLarge: bodyTooLarge)
    }

    public subscript(param name: String) -> String? { params[name] }

    /// A client header by its HTTP name (`Sec-Fetch-Mode` is looked up as `HTTP_SEC_FETCH_MODE`).
    public func header(_ name: String) -> String? { header(RequestHeader(name)) }

    /// A client header by its param name, built once (`RequestHeader.cookie`).
    public func header(_ header: RequestHeader) -> String? { params[header.param] }

    public var method: String { params["REQUEST_METHOD"] ?? "GET" }

    /// The request URI as the client sent it: the original request's even inside an nginx auth subrequest.
    public var requestURI: String { params["REQUEST_URI"] ?? params["DOCUMENT_URI"] ?? "/" }

    /// The path of the URI this FastCGI request is for (the subrequest's in nginx `auth_request`).
    public var scriptPath: String {
        if let doc = params["DOCUMENT_URI"], !doc.isEmpty { return doc }
        let script = params["SCRIPT_NAME"] ?? ""
        let pathInfo = params["PATH_INFO"] ?? ""
        if !(script + pathInfo).isEmpty { return script + pathInfo }
        return Self.path(of: requestURI)
    }

    public var query: QueryParameters {
        if let q = params["QUERY_STRING"] { return QueryParameters(parsing: q) }
        let uri = requestURI
        guard let mark = uri.firstIndex(of: "?") else { return QueryParameters() }
        return QueryParameters(parsing: uri[uri.index(after: mark)...])
    }

    static func path(of uri: String) -> String {
        if let mark = uri.firstIndex(where: { $0 == "?" || $0 == "#" }) { return String(uri[..<mark]) }
        return uri
    }

    /// `X-Auth_Request-user` and `x-auth-request-user` both map to `X_AUTH_REQUEST_USER`, as nginx and Apache do.
    public static func paramName(forHeader name: String) -> String {
        String(name.uppercased().map { $0 == "-" ? "_" : $0 })
    }
}

import FuzzSupport
import GatehouseCore

let app = Fuzz.app()
let cookieName = Fuzz.config.cookie.name

/// Arbitrary FastCGI params (as libfcgi hands them over) through RequestContext and Gatehouse.handle, in both
/// roles. No input can forge a session, so no request may ever be allowed; every header must stay one line.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = Fuzz.bytes(data, size)
    var params = Fuzz.fastCGIParams(bytes)
    if params.isEmpty { params = ["DOCUMENT_URI": "/oauth2/auth", "REQUEST_URI": String(decoding: bytes, as: UTF8.self)] }
    for role in [FastCGIRole.responder, .authorizer] {
        let request = Request(role: role, params: params)
        let ctx = RequestContext(request, trustedProxies: Fuzz.config.server.trustedProxies)
        _ = ctx.isNavigation
        if let uri = ctx.originalURI { Fuzz.require(uri.hasPrefix("/") && !uri.hasPrefix("//"), "original URI \(uri.debugDescription)") }
        let r = app.handle(request)
        Fuzz.requireWellFormed(r)
        let path = request.scriptPath.split(separator: "?").first.map(String.init) ?? ""
        if role == .authorizer || path == "/oauth2/auth" {
            Fuzz.require(r.status != 200 && r.status != 204, "a request without a session was allowed (\(r.status))")
            Fuzz.require(r.header("X-Auth-Request-User") == nil && r.header("Variable-REMOTE_USER") == nil, "identity without a session")
        }
        if let location = r.header("Location"), !location.hasPrefix("https://idp.example.com/") {
            let validator = ReturnURL(allowedHosts: ["app.example.com", ".corp.example.net"])
            Fuzz.require(validator.validate(location) == location || location.hasPrefix("/oauth2/start?"), "Location \(location.debugDescription)")
        }
        _ = cookieName
    }
    return 0
}

Fuzz.run(fuzz)

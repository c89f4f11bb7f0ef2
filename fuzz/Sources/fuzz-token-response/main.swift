import FuzzSupport
import GatehouseCore

let cookieName = Fuzz.config.cookie.name

/// A whole login whose token endpoint (and userinfo) answers the fuzz input: start, then the callback.
/// The nonce of the pending login is unknowable to the input, so no session may ever come out.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let app = Fuzz.app(tokenBody: Fuzz.bytes(data, size))
    let base = ["REQUEST_METHOD": "GET", "HTTP_HOST": "app.example.com", "REMOTE_ADDR": "203.0.113.9"]
    let start = app.handle(Request(params: base.merging(["DOCUMENT_URI": "/oauth2/start", "QUERY_STRING": "rd=%2Fx"]) { $1 }))
    guard start.status == 302, let location = start.header("Location"), let q = location.split(separator: "?", maxSplits: 1).last,
          let state = QueryParameters(parsing: q)["state"],
          let cookie = start.headers(named: "Set-Cookie").first?.split(separator: ";").first else {
        Fuzz.require(false, "login start failed")
        return 0
    }
    let r = app.handle(Request(params: base.merging(["DOCUMENT_URI": "/oauth2/callback", "QUERY_STRING": "code=c&state=\(state)",
                                                    "HTTP_COOKIE": String(cookie)]) { $1 }))
    Fuzz.requireWellFormed(r)
    Fuzz.require(!r.headers(named: "Set-Cookie").contains { $0.hasPrefix(cookieName + "=") && !$0.hasPrefix(cookieName + "=;") },
                 "a session from a token response that cannot know the nonce")
    return 0
}

Fuzz.run(fuzz)

// ns per operation of the auth check's parts, measured with ContinuousClock on the release build.
// Each figure: the median of 9 timed batches after a warm-up; one line of JSON per operation on stdout.
import Foundation
import GatehouseCore
import GatehouseCrypto
import Logging

let secret = "bench-secret-0123456789abcdefghijklmnopqrstuvwxyzABCDEF"
let toml = """
[auth]
cookie_secret = "\(secret)"
# Sessions must name a configured provider; this one is never asked.
redirect_uri = "http://127.0.0.1/oauth2/callback"
client_id = "bench"
client_secret = "bench-never-used"
server_metadata_url = "http://127.0.0.1:9/.well-known/openid-configuration"

[gatehouse]
cookie_secure = false

[gatehouse.rules]
allowed_email_domains = ["example.org"]
allowed_groups = ["staff"]
"""
let config: GatehouseConfig
switch ConfigLoader.load(toml: toml) {
case .success(let c): config = c
case .failure(let e): fatalError("config: \(e)")
}

let now = Int64(Date().timeIntervalSince1970)
let claims: [String: JSONValue] = [
    "sub": .string("diana"), "email": .string("diana@example.org"), "email_verified": .bool(true),
    "preferred_username": .string("diana"), "name": .string("Diana Prince"),
    "groups": .array([.string("admins"), .string("staff")]),
]
let session = Session(provider: "default", claims: claims, issuedAt: now, expiresAt: now + 3600)
let sessions = try SessionCookie(config)
let sealer = try CookieSealer(secrets: config.auth.cookieSecrets, purpose: .session)
let sealed = sessions.seal(session)
let tampered = String(sealed.dropLast(4)) + (sealed.hasSuffix("AAAA") ? "BBBB" : "AAAA")
let cookieHeader = "_ga=GA1.1.123456789.1700000000; _gatehouse=\(sealed); theme=dark"
let tamperedHeader = "_ga=GA1.1.123456789.1700000000; _gatehouse=\(tampered); theme=dark"
let cookies = RequestCookies(header: cookieHeader)
let identity = IdentityHeaders(config: config.headers)

var logger = Logger(label: "micro")
logger.logLevel = .critical
let app = try Gatehouse(config: config, environment: GatehouseEnvironment(now: { Int64(Date().timeIntervalSince1970) }, logger: logger))

/// What nginx's stock fastcgi_params send for an auth_request subrequest.
func nginxParams(cookie: String?) -> [String: String] {
    var p = [
        "QUERY_STRING": "", "REQUEST_METHOD": "GET", "CONTENT_TYPE": "", "CONTENT_LENGTH": "",
        "SCRIPT_NAME": "/oauth2/auth", "REQUEST_URI": "/private/page.html", "DOCUMENT_URI": "/oauth2/auth",
        "DOCUMENT_ROOT": "/srv/www", "SERVER_PROTOCOL": "HTTP/1.1", "REQUEST_SCHEME": "http", "GATEWAY_INTERFACE": "CGI/1.1",
        "SERVER_SOFTWARE": "nginx/1.22.1", "REMOTE_ADDR": "127.0.0.1", "REMOTE_PORT": "51234", "SERVER_ADDR": "127.0.0.1",
        "SERVER_PORT": "8080", "SERVER_NAME": "", "REDIRECT_STATUS": "200", "HTTP_HOST": "127.0.0.1:8080",
        "HTTP_USER_AGENT": "wrk", "HTTP_SEC_FETCH_MODE": "cors", "HTTP_ACCEPT": "*/*",
    ]
    if let cookie { p["HTTP_COOKIE"] = cookie }
    return p
}
let valid = Request(role: .responder, params: nginxParams(cookie: cookieHeader))
let missing = Request(role: .responder, params: nginxParams(cookie: nil))
let forged = Request(role: .responder, params: nginxParams(cookie: tamperedHeader))
let authorizer = Request(role: .authorizer, params: nginxParams(cookie: cookieHeader))

// Sanity: the figures are only worth something if the paths do what the server does.
precondition(app.handle(valid).status == 200 && app.handle(missing).status == 401 && app.handle(forged).status == 401)
precondition(app.handle(authorizer).status == 200 && config.rules.decide(session) == .allow)

nonisolated(unsafe) var sink = 0
// More distinct sessions than any session cache holds (4096): read in turn, every one is opened and decoded.
let distinctCookies = (0..<8192).map { i in
    RequestCookies(header: "_gatehouse=" + sessions.seal(Session(provider: "default", claims: claims, issuedAt: now - Int64(i), expiresAt: now + 3600)))
}
nonisolated(unsafe) var missCursor = 0

@inline(never) func measure(_ name: String, _ body: () -> Int) {
    let clock = ContinuousClock()
    // Calibrate: enough iterations for ~20 ms per batch.
    var n = 64
    while true {
        let t = clock.measure { for _ in 0..<n { sink &+= body() } }
        if t >= .milliseconds(20) || n >= 1 << 24 { break }
        n *= 2
    }
    var samples: [Double] = []
    for _ in 0..<9 {
        let t = clock.measure { for _ in 0..<n { sink &+= body() } }
        let c = t.components
        samples.append((Double(c.seconds) * 1e9 + Double(c.attoseconds) / 1e9) / Double(n))
    }
    samples.sort()
    let line = String(format: #"{"op": "%@", "ns_per_op": %.1f, "min_ns": %.1f, "max_ns": %.1f, "iterations": %d}"#,
                      name, samples[4], samples[0], samples[8], n)
    print(line)
}

measure("cookie header parse (RequestCookies)") { RequestCookies(header: cookieHeader).names.count }
measure("sealed-cookie open: base64url + AES-256-GCM (CookieSealer.open)") { sealer.open(sealed, cookieName: "_gatehouse")?.count ?? 0 }
measure("session read, the same cookie again (SessionCookie.read; cached if the build caches)") { sessions.read(cookies, now: now) == nil ? 0 : 1 }
measure("session read, a new cookie each time: open + JSON decode + expiry (SessionCookie.read)") {
    missCursor = (missCursor + 1) & (distinctCookies.count - 1)
    return sessions.read(distinctCookies[missCursor], now: now) == nil ? 0 : 1
}
measure("rule check: email domain + group (AccessRules.decide)") { config.rules.decide(session) == .allow ? 1 : 0 }
measure("header build, nginx (IdentityHeaders.responderHeaders)") { identity.responderHeaders(for: session).count }
measure("header build, Apache (IdentityHeaders.authorizerHeaders)") { identity.authorizerHeaders(for: session).count }
measure("whole check, valid cookie (Gatehouse.handle)") { app.handle(valid).status }
measure("whole check, no cookie (Gatehouse.handle)") { app.handle(missing).status }
measure("whole check, tampered cookie (Gatehouse.handle)") { app.handle(forged).status }
measure("whole check, Authorizer role (Gatehouse.handle)") { app.handle(authorizer).status }
if sink == 42 { print("") }

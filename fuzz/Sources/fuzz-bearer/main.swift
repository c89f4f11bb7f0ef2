import FuzzSupport
import GatehouseCore
import Logging

/// The bearer path of the check: the input is `<Authorization value> NUL <introspection answer>`. Signatures are
/// accepted (so every claim check behind them is reached) and the introspection endpoint answers the second part.
/// Whatever comes in: a well-formed answer of 200, 401, 403 or 503; a 401 is RFC 6750's `invalid_token` and never
/// a login; a 200 only for a JWT of an allowed algorithm, our issuer and audience, unexpired, or for an opaque token
/// whose introspection answer said `"active": true`.
let config: GatehouseConfig = {
    let text = """
    [auth]
    redirect_uri = "https://app.example.com/oauth2/callback"
    cookie_secret = "\(Fuzz.secret)"
    client_id = "client-1"
    client_secret = "s3cret"
    server_metadata_url = "\(Fuzz.issuer)/.well-known/openid-configuration"
    [gatehouse]
    state = "none"
    [gatehouse.bearer]
    enabled = true
    audiences = ["https://api.example.com"]
    [gatehouse.providers.default]
    introspection = "\(Fuzz.issuer)/introspect"
    """
    switch ConfigLoader.load(toml: text) {
    case .success(let c): return c
    case .failure(let e): fatalError("fuzz config broken: \(e)")
    }
}()

struct Provider: OutboundHTTP {
    let introspection: [UInt8]
    func send(_ request: OutboundRequest) throws(OutboundError) -> OutboundResponse {
        let i = Fuzz.issuer
        switch request.url {
        case "\(i)/.well-known/openid-configuration":
            return OutboundResponse(status: 200, body: Array("""
            {"issuer":"\(i)","authorization_endpoint":"\(i)/authorize","token_endpoint":"\(i)/token","jwks_uri":"\(i)/jwks",
             "id_token_signing_alg_values_supported":["RS256","ES256","HS256","none"]}
            """.utf8))
        case "\(i)/jwks":
            return OutboundResponse(status: 200, body: Array(#"{"keys":[{"kty":"RSA","kid":"k1","use":"sig","n":"AQAB","e":"AQAB"},{"kty":"EC","crv":"P-256","x":"A","y":"B"}]}"#.utf8))
        case "\(i)/introspect": return OutboundResponse(status: 200, body: introspection)
        default: throw OutboundError(isTimeout: false, description: "not found")
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let input = Fuzz.bytes(data, size)
    let cut = input.firstIndex(of: 0) ?? input.endIndex
    let authorization = String(decoding: input[..<cut], as: UTF8.self)
    let introspection = cut < input.endIndex ? Array(input[(cut + 1)...]) : []
    var logger = Logger(label: "fuzz")
    logger.logLevel = .critical
    let app: Gatehouse
    do {
        app = try Gatehouse(config: config, environment: GatehouseEnvironment(now: { Fuzz.now }, logger: logger,
                                                                             http: Provider(introspection: introspection), verifier: AcceptingVerifier()))
    } catch {
        fatalError("Gatehouse init failed: \(error)")
    }
    let r = app.handle(Request(params: ["REQUEST_METHOD": "GET", "DOCUMENT_URI": "/oauth2/auth", "REQUEST_URI": "/api/x",
                                        "HTTP_HOST": "app.example.com", "HTTP_SEC_FETCH_MODE": "navigate", "HTTP_AUTHORIZATION": authorization]))
    Fuzz.requireWellFormed(r)
    // Another scheme (or none) is no bearer token: the cookie path (here: no cookie, a login) answers.
    guard authorization.prefix(while: { $0 != " " }).lowercased() == "bearer" else { return 0 }
    Fuzz.require(r.header("Location") == nil, "a login for a request with a bearer token")
    Fuzz.require([200, 401, 403, 503].contains(r.status), "status \(r.status)")
    if r.status == 401 { Fuzz.require(r.header("WWW-Authenticate")?.contains("invalid_token") == true, "401 without invalid_token") }
    guard r.status == 200 else { return 0 }
    let token = authorization.dropFirst(6).drop { $0 == " " }
    if let (header, claims) = IDTokenValidator.unverifiedParts(String(token)), token.split(separator: ".", omittingEmptySubsequences: false).count == 3 {
        Fuzz.require(header.alg != "none" && !header.alg.hasPrefix("HS"), "algorithm \(header.alg) allowed")
        Fuzz.require(claims["iss"]?.stringValue == Fuzz.issuer, "issuer")
        Fuzz.require((claims["exp"]?.int64Value ?? .min) + 60 > Fuzz.now, "expired or no exp")
    } else {
        Fuzz.require(introspection.count > 0 && String(decoding: introspection, as: UTF8.self).contains("true"), "opaque token allowed without an active answer")
    }
    return 0
}

Fuzz.run(fuzz)

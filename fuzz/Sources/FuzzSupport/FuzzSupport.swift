import CFuzzDriver
import Foundation
import GatehouseCore
import GatehouseCrypto
import Logging

/// What every harness shares: a fixed config, fakes for the network and the signature check, FastCGI
/// param decoding, and `require`, which turns a broken invariant into a crash libFuzzer reports.
public enum Fuzz {
    public static let secret = "fuzzfuzzfuQ7fP2xZr9LmN4vB8cT1yW6eH3jK5sD0aG"
    public static let issuer = "https://idp.example.com"
    public static let now: Int64 = 1_800_000_000

    public static func require(_ condition: Bool, _ message: @autoclosure () -> String) {
        if !condition { fatalError("invariant broken: \(message())") }
    }

    public static func bytes(_ data: UnsafePointer<UInt8>, _ size: Int) -> [UInt8] {
        Array(UnsafeBufferPointer(start: data, count: size))
    }

    public static let config: GatehouseConfig = {
        let text = """
        [auth]
        redirect_uri = "https://app.example.com/oauth2/callback"
        cookie_secret = "\(secret)"
        client_id = "client-1"
        client_secret = "s3cret"
        server_metadata_url = "\(issuer)/.well-known/openid-configuration"
        [gatehouse]
        allowed_redirect_hosts = ["app.example.com", ".corp.example.net"]
        trusted_proxies = ["10.0.0.0/8"]
        """
        switch ConfigLoader.load(toml: text) {
        case .success(let c): return c
        case .failure(let e): fatalError("fuzz config broken: \(e)")
        }
    }()

    /// A Gatehouse whose provider is in memory; `tokenBody` is what the token endpoint answers.
    public static func app(tokenBody: [UInt8] = [], verifier: any SignatureVerifying = AcceptingVerifier()) -> Gatehouse {
        var logger = Logger(label: "fuzz")
        logger.logLevel = .critical
        do {
            return try Gatehouse(config: config, environment: GatehouseEnvironment(
                now: { now }, random: SecureRandom(), logger: logger, http: MemoryProvider(tokenBody: tokenBody), verifier: verifier))
        } catch {
            fatalError("Gatehouse init failed: \(error)")
        }
    }

    /// FastCGI name-value pairs (FastCGI 1.0 section 3.4) as libfcgi reads them; the first of a duplicated name wins.
    /// Stops at the first malformed pair, like a server closing the connection.
    public static func fastCGIParams(_ b: [UInt8]) -> [String: String] {
        var i = 0
        func length() -> Int? {
            guard i < b.count else { return nil }
            if b[i] & 0x80 == 0 { i += 1; return Int(b[i - 1]) }
            guard i + 4 <= b.count else { return nil }
            let n = (Int(b[i] & 0x7F) << 24) | (Int(b[i + 1]) << 16) | (Int(b[i + 2]) << 8) | Int(b[i + 3])
            i += 4
            return n
        }
        var params: [String: String] = [:]
        while let n = length(), let v = length(), n <= b.count - i, v <= b.count - i - n {
            let name = String(decoding: b[i..<(i + n)], as: UTF8.self)
            let value = String(decoding: b[(i + n)..<(i + n + v)], as: UTF8.self)
            i += n + v
            if params[name] == nil { params[name] = value }
        }
        return params
    }

    /// Every header Gatehouse writes must be one line of printable text (no response splitting).
    public static func requireWellFormed(_ r: Response) {
        for h in r.headers {
            require(!h.name.isEmpty && h.name.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ":") }, "header name \(h.name.debugDescription)")
            require(h.value.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7F }, "header \(h.name) value \(h.value.debugDescription)")
        }
        require((200...599).contains(r.status), "status \(r.status)")
    }
}

/// Discovery and JWKS fixed, token endpoint answering the fuzz input.
public struct MemoryProvider: OutboundHTTP {
    let tokenBody: [UInt8]
    public func send(_ request: OutboundRequest) throws(OutboundError) -> OutboundResponse {
        let i = Fuzz.issuer
        switch request.url.split(separator: "?")[0] {
        case "\(i)/.well-known/openid-configuration":
            return OutboundResponse(status: 200, body: Array("""
            {"issuer":"\(i)","authorization_endpoint":"\(i)/authorize","token_endpoint":"\(i)/token","jwks_uri":"\(i)/jwks",
             "userinfo_endpoint":"\(i)/userinfo","end_session_endpoint":"\(i)/logout","id_token_signing_alg_values_supported":["RS256","ES256"]}
            """.utf8))
        case "\(i)/jwks":
            return OutboundResponse(status: 200, body: Array(#"{"keys":[{"kty":"RSA","kid":"k1","use":"sig","n":"AQAB","e":"AQAB"},{"kty":"EC","crv":"P-256","x":"A","y":"B"}]}"#.utf8))
        case "\(i)/token":
            return OutboundResponse(status: 200, body: tokenBody)
        case "\(i)/userinfo":
            return OutboundResponse(status: 200, body: tokenBody)
        default:
            throw OutboundError(isTimeout: false, description: "not found")
        }
    }
}

/// Lets every signature pass, so the claim checks behind it are reached.
public struct AcceptingVerifier: SignatureVerifying {
    public init() {}
    public func verify(compactJWS: String, jwkJSON: String) throws -> Bool { true }
}

extension Fuzz {
    /// Hands the process to libFuzzer with `harness` as the target; returns libFuzzer's exit code.
    public static func run(_ harness: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> Never {
        exit(gatehouse_fuzz_run(CommandLine.argc, CommandLine.unsafeArgv, harness))
    }
}

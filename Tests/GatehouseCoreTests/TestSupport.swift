@testable import GatehouseCore
import GatehouseCrypto
import Logging

/// Deterministic "randomness" for tests: a counter, so nonces differ but runs repeat.
final class CountingRandom: RandomBytesSource, @unchecked Sendable {
    // @unchecked: tests use one instance per test, from one thread.
    private var counter: UInt8 = 0
    func bytes(_ count: Int) -> [UInt8] {
        counter &+= 1
        return (0..<count).map { UInt8(truncatingIfNeeded: $0) &+ counter }
    }
}

struct FixedRandom: RandomBytesSource {
    let byte: UInt8
    func bytes(_ count: Int) -> [UInt8] { (0..<count).map { byte &+ UInt8(truncatingIfNeeded: $0) } }
}

enum Fixture {
    static let secret = "kkkkkkkkkkQ7fP2xZr9LmN4vB8cT1yW6eH3jK5sD0aG"
    static let otherSecret = "Zx8Qm3Lp7Vn2Rt6Yw1Kb5Hc9Gd4Fs0JaEuTiOoPlMnQw"
    static let now: Int64 = 1_800_000_000

    static func config(_ extra: String = "", secret: String = Fixture.secret) -> GatehouseConfig {
        let text = """
        [auth]
        cookie_secret = "\(secret)"
        redirect_uri = "https://app.example.com/oauth2/callback"
        client_id = "fixture-client"
        client_secret = "fixture-client-secret"
        server_metadata_url = "https://idp.example.com/.well-known/openid-configuration"
        [gatehouse]
        cookie_secure = true
        \(extra)
        """
        switch ConfigLoader.load(toml: text) {
        case .success(let c): return c
        case .failure(let e): fatalError("fixture config broken: \(e)")
        }
    }

    static func app(_ config: GatehouseConfig = Fixture.config(), now: Int64 = Fixture.now) throws -> Gatehouse {
        try Gatehouse(config: config, environment: GatehouseEnvironment(now: { now }, random: CountingRandom(), logger: Logger(label: "test")))
    }

    static let diana = Session(provider: "default", claims: [
        "sub": .string("diana"), "email": .string("diana@example.org"), "name": .string("Diana Prince"),
        "preferred_username": .string("diana"), "groups": .array([.string("admins"), .string("staff")]),
    ], issuedAt: now - 100, expiresAt: now + 3600)

    static func cookieHeader(for session: Session = Fixture.diana, config: GatehouseConfig = Fixture.config()) throws -> String {
        let cookie = try SessionCookie(config)
        return "\(config.cookie.name)=\(cookie.seal(session))"
    }

    static func request(_ path: String = "/oauth2/auth", uri: String = "/private/page?x=1&y=2", cookie: String? = nil,
                        role: FastCGIRole = .responder, headers: [String: String] = [:], query: String? = nil) -> Request {
        var params = ["REQUEST_METHOD": "GET", "REQUEST_URI": uri, "DOCUMENT_URI": path, "HTTP_HOST": "app.example.com", "REMOTE_ADDR": "203.0.113.9"]
        if let cookie { params["HTTP_COOKIE"] = cookie }
        if let query { params["QUERY_STRING"] = query }
        for (k, v) in headers { params["HTTP_" + Request.paramName(forHeader: k)] = v }
        return Request(role: role, params: params)
    }
}

extension Session {
    /// The session without what reading adds (an id derived for a cookie sealed without one, the store keys).
    var asSealed: Session {
        var s = self
        s.keys = nil
        s.id = nil
        return s
    }
}

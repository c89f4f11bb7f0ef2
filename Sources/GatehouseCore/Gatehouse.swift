import GatehouseCrypto
import Logging

/// What the core needs from the world, injected so tests run it without sockets, clocks or randomness.
public struct GatehouseEnvironment: Sendable {
    /// Unix time in seconds.
    public var now: @Sendable () -> Int64
    public var random: any RandomBytesSource
    public var logger: Logger

    public init(now: @escaping @Sendable () -> Int64, random: any RandomBytesSource = SecureRandom(), logger: Logger) {
        self.now = now
        self.random = random
        self.logger = logger
    }
}

/// The whole of Gatehouse as one function: `handle(request) -> response`. The FastCGI layer converts
/// libfcgi's data to and from these types and does nothing else.
public final class Gatehouse: Sendable {
    public let config: GatehouseConfig
    let environment: GatehouseEnvironment
    let sessions: SessionCookie
    let authCheck: AuthCheck
    let whoAmI: WhoAmI
    let signOut: SignOut
    let routes: Routes

    struct Routes: Sendable {
        let auth: String, start: String, callback: String, signOut: String, userinfo: String
    }

    /// Derives the cookie keys once; throws only if OpenSSL cannot.
    public init(config: GatehouseConfig, environment: GatehouseEnvironment) throws(CryptoError) {
        self.config = config
        self.environment = environment
        sessions = try SessionCookie(config: config.cookie, secrets: config.auth.cookieSecrets, random: environment.random)
        let prefix = config.server.prefix
        routes = Routes(auth: prefix + "/auth", start: prefix + "/start", callback: config.auth.callbackPath(prefix: prefix),
                        signOut: prefix + "/sign_out", userinfo: prefix + "/userinfo")
        authCheck = AuthCheck(sessions: sessions, identity: IdentityHeaders(config: config.headers), prefix: prefix)
        whoAmI = WhoAmI(sessions: sessions, exposeTokens: config.auth.exposeTokens)
        signOut = SignOut(sessions: sessions, returnURL: ReturnURL(allowedHosts: config.server.allowedRedirectHosts))
    }

    public func handle(_ request: Request) -> Response {
        let ctx = RequestContext(request, trustedProxies: config.server.trustedProxies)
        let now = environment.now()
        // In the Authorizer role every request is an access check, whatever its path.
        if request.role == .authorizer { return authCheck.handle(ctx, now: now) }
        switch Request.path(of: request.scriptPath) {
        case routes.auth: return authCheck.handle(ctx, now: now)
        case routes.userinfo: return whoAmI.handle(ctx, now: now)
        case routes.signOut: return signOut.handle(ctx, now: now)
        default: return fail(GatehouseError(.notFound, "There is no page here."), ctx)
        }
    }

    /// Logs the failure once, with a correlation id, and renders its page.
    func fail(_ error: GatehouseError, _ ctx: RequestContext) -> Response {
        let id = Base64URL.encode(environment.random.bytes(9))
        let level: Logger.Level = error.status >= 500 ? .error : .notice
        environment.logger.log(level: level, "\(error.publicMessage)", metadata: [
            "correlation_id": .string(id), "status": .stringConvertible(error.status), "detail": .string(error.detail),
            "path": .string(Request.path(of: ctx.request.scriptPath)),
        ])
        return ErrorResponse.page(for: error, correlationID: id)
    }
}

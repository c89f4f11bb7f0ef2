import GatehouseCrypto
import Logging

/// What the core needs from the world, injected so tests run it without sockets, clocks or randomness.
public struct GatehouseEnvironment: Sendable {
    /// Unix time in seconds.
    public var now: @Sendable () -> Int64
    public var random: any RandomBytesSource
    public var logger: Logger
    /// HTTP to the provider (libcurl in the executable).
    public var http: any OutboundHTTP
    /// JWS signature checks (libcjose in the executable).
    public var verifier: any SignatureVerifying
    /// What Gatehouse counts (swift-metrics handlers: Prometheus in the executable, no-ops by default). One per
    /// process: every core a reload builds gets the same.
    public var metrics: GatehouseMetrics
    /// The text `<prefix>/metrics` serves; nil: that route is 404.
    public var exposition: (any MetricsExposition)?

    public init(now: @escaping @Sendable () -> Int64, random: any RandomBytesSource = SecureRandom(), logger: Logger,
                http: any OutboundHTTP = NoNetwork(), verifier: any SignatureVerifying = NoVerifier(),
                metrics: GatehouseMetrics = GatehouseMetrics(), exposition: (any MetricsExposition)? = nil) {
        self.now = now
        self.random = random
        self.logger = logger
        self.http = http
        self.verifier = verifier
        self.metrics = metrics
        self.exposition = exposition
    }
}

/// For a core without providers: every fetch fails (nothing should ask).
public struct NoNetwork: OutboundHTTP {
    public init() {}
    public func send(_ request: OutboundRequest) throws(OutboundError) -> OutboundResponse {
        throw OutboundError(isTimeout: false, description: "no HTTP client configured")
    }
}

/// For a core without providers: no signature ever verifies.
public struct NoVerifier: SignatureVerifying {
    public init() {}
    public func verify(compactJWS: String, jwkJSON: String) throws -> Bool { false }
}

/// The whole of Gatehouse as one function: `handle(request) -> response`. The FastCGI layer converts
/// libfcgi's data to and from these types and does nothing else.
public final class Gatehouse: Sendable {
    public let config: GatehouseConfig
    let environment: GatehouseEnvironment
    let sessions: SessionCookie
    let authCheck: AuthCheck
    let checkAnswer: CheckAnswer
    let whoAmI: WhoAmI
    let signOut: SignOut
    let loginStart: LoginStart
    let forbidden: Forbidden
    let signedOut: SignedOut
    /// Every HTML page of Gatehouse is laid out by this one, built from `[gatehouse.pages]`.
    let pages: HTMLPage
    let callback: Callback
    let backchannelLogout: BackChannelLogout
    let frontchannelLogout: FrontChannelLogout
    let health: Health
    let metricsRoute: MetricsRoute
    let metrics: GatehouseMetrics
    let routes: Routes
    /// Requests that may call the provider (start, callback, sign-out) hold one of these while they run, so
    /// some workers always stay free for the auth check however slow the provider is.
    let providerSlots: SlotCounter
    /// Revocation and refresh (nil with `state = "none"`): the store given to `init`, its mirror, the refresher.
    public let lifecycle: SessionLifecycle?
    let refresher: Refresher?

    /// Derives the cookie keys once; throws only if OpenSSL cannot. `store`: the opened `[gatehouse] state`
    /// (nil for `none`); the caller syncs `lifecycle` and runs `refreshStep` on background threads (StateThreads).
    /// `previous`: the core this one replaces at a reload (same process, same store): what must outlive a reload
    /// is taken over from it (the used `state`s, the provider budget, the writes the store has not taken yet).
    public init(config: GatehouseConfig, environment: GatehouseEnvironment, store: (any StateStore)? = nil,
                succeeding previous: Gatehouse? = nil) throws(CryptoError) {
        var environment = environment
        metrics = environment.metrics
        environment.http = MeteredOutbound(http: environment.http, metrics: metrics)
        self.config = config
        self.environment = environment
        sessions = try SessionCookie(config, random: environment.random)
        lifecycle = try store.map { s throws(CryptoError) in
            try SessionLifecycle(store: s, config: config, logger: environment.logger, random: environment.random, metrics: environment.metrics,
                                 continuing: previous?.lifecycle)
        }
        let live = LiveSessions(cookie: sessions, lifecycle: lifecycle)
        routes = Routes(config: config)
        pages = HTMLPage(config: config)
        forbidden = Forbidden(sessions: live, routes: routes, providers: config.auth.providers, pages: pages,
                              bearerEnabled: config.bearer.enabled)
        signedOut = SignedOut(routes: routes, pages: pages)
        let slotLimit = Self.providerSlotLimit(workers: config.server.workers)
        providerSlots = previous.map(\.providerSlots).flatMap { $0.limit == slotLimit ? $0 : nil } ?? SlotCounter(limit: slotLimit)
        metrics.slotsLimit.set(providerSlots.limit)
        metricsRoute = MetricsRoute(exposition: environment.exposition)
        let directory = ProviderDirectory(http: environment.http, ttl: config.provider.metadataTTL, now: environment.now, metrics: metrics)
        let tokens = TokenClient(http: environment.http)
        let bearer = config.bearer.enabled
            ? BearerCheck(config: config, directory: directory, tokens: tokens, verifier: environment.verifier, slots: providerSlots) : nil
        authCheck = AuthCheck(sessions: live, rules: config.rules, bearer: bearer)
        checkAnswer = CheckAnswer(identity: IdentityHeaders(config: config.headers, exposeTokens: config.auth.exposeTokens),
                                  routes: routes, forbidden: forbidden,
                                  cache: DecisionCache(config: config, lifecycle: lifecycle), logger: environment.logger)
        whoAmI = WhoAmI(sessions: live, exposeTokens: config.auth.exposeTokens, bearer: bearer)
        let returnURL = ReturnURL(allowedHosts: config.server.allowedRedirectHosts)
        let pending = try PendingLoginCookies(config: config, random: environment.random)
        signOut = SignOut(config: config, routes: routes, sessions: sessions, lifecycle: lifecycle, logger: environment.logger,
                          returnURL: returnURL, directory: directory, random: environment.random, pages: pages)
        loginStart = LoginStart(config: config, routes: routes, directory: directory, pending: pending, returnURL: returnURL, random: environment.random,
                                pages: pages)
        let fitting = SessionFitting(config: config)
        callback = Callback(config: config, directory: directory, pending: pending, consumed: previous?.callback.consumed ?? ConsumedStates(), sessions: sessions,
                            tokens: tokens, verifier: environment.verifier, returnURL: returnURL,
                            fitting: fitting, logger: environment.logger, keepsRefreshToken: lifecycle != nil, random: environment.random,
                            metrics: metrics)
        backchannelLogout = BackChannelLogout(config: config, directory: directory, lifecycle: lifecycle, verifier: environment.verifier,
                                              logger: environment.logger)
        frontchannelLogout = FrontChannelLogout(config: config, directory: directory, lifecycle: lifecycle, logger: environment.logger, pages: pages)
        health = Health(backend: config.state.backend, lifecycle: lifecycle)
        refresher = lifecycle.map { Refresher(lifecycle: $0, config: config, directory: directory, tokens: tokens, verifier: environment.verifier,
                                              fitting: fitting, logger: environment.logger) }
    }

    /// One turn of a refresher thread: waits up to `timeout` seconds for a session that is due, refreshes it.
    /// False when there was none (or no state store).
    public func refreshStep(timeout: Double) -> Bool {
        guard let lifecycle, let refresher, let session = lifecycle.queue.take(timeout: timeout), let id = session.id else { return false }
        let outcome = refresher.refresh(session, now: environment.now())
        var failed = false
        let meta: Logger.Metadata = ["session": .string(String(id.text.prefix(8))), "provider": .string(session.provider)]
        metrics.refresh(outcome.metricLabel)
        switch outcome {
        case .refreshed: environment.logger.debug("session refreshed", metadata: meta)
        case .alreadyFresh: environment.logger.debug("session already refreshed by another instance", metadata: meta)
        case .lockedElsewhere: environment.logger.debug("session being refreshed by another instance", metadata: meta)
        case .ended(let why): environment.logger.notice("session ended at refresh: \(why)", metadata: meta)
        case .failed(let why):
            failed = true
            environment.logger.warning("session refresh failed; retried later, served until refresh_grace: \(why)", metadata: meta)
        }
        lifecycle.queue.finished(id, failed: failed, now: environment.now())
        return true
    }

    public func handle(_ request: Request) -> Response {
        let ctx = RequestContext(request, trustedProxies: config.server.trustedProxies)
        let now = environment.now()
        do throws(GatehouseError) {
            // In the Authorizer role every request is an access check, whatever its path.
            if request.role == .authorizer { return try check(ctx, now: now, pathRules: nil) }
            let path: String
            switch RoutedPath(request.scriptPath, checkRoute: routes.auth) {
            case .clean(let clean): path = clean
            case .check(let rules): return try check(ctx, now: now, pathRules: rules)
            case .unroutable: throw GatehouseError(.notFound, "There is no page here.", detail: "a ? or # in the routed path")
            }
            switch path {
            // Should a web server ever split the check URL's query off, it arrives as QUERY_STRING: same rules.
            case routes.auth: return try check(ctx, now: now, pathRules: request[param: "QUERY_STRING"].flatMap { $0.isEmpty ? nil : $0 })
            case routes.metrics: return try metricsRoute.handle()
            case routes.forbidden: return forbidden.handle(ctx, now: now)
            case routes.signedOut: return signedOut.handle(ctx)
            case routes.userinfo: return try whoAmI.handle(ctx, now: now)
            case routes.health: return health.handle(now: now)
            case routes.signOut: return try withProviderSlot { signOut.handle(ctx, now: now) }
            case routes.start: return try withProviderSlot { () throws(GatehouseError) in try loginStart.handle(ctx, now: now) }
            case routes.callback:
                let response = try withProviderSlot { () throws(GatehouseError) in try callback.handle(ctx, now: now) }
                environment.logger.info("login", metadata: ["path": .string(routes.callback)])
                return response
            case routes.backchannelLogout:
                do { return try withProviderSlot { () throws(GatehouseError) in try backchannelLogout.handle(ctx, now: now) } } catch {
                    log(error, correlationID: nil, ctx)
                    return ErrorResponse.json(for: error)
                }
            case routes.frontchannelLogout: return try withProviderSlot { () throws(GatehouseError) in try frontchannelLogout.handle(ctx, now: now) }
            default: throw GatehouseError(.notFound, "There is no page at this address.")
            }
        } catch {
            return fail(error, ctx)
        }
    }

    /// The access check, decided, presented and counted (outcome by role, and its latency).
    func check(_ ctx: RequestContext, now: Int64, pathRules: String?) throws(GatehouseError) -> Response {
        let started = ContinuousClock.now
        let decision: AccessDecision
        do {
            decision = try authCheck.decide(ctx, now: now, pathRules: pathRules)
        } catch {
            metrics.check(ctx.request.role, .error, nanoseconds: started.nanosecondsSince)
            throw error
        }
        let response = checkAnswer.present(decision, ctx, now: now)
        metrics.check(ctx.request.role, decision.metricOutcome, nanoseconds: started.nanosecondsSince)
        return response
    }

    /// How much of a request's body the edge reads: only a back-channel logout POST in the Responder role has
    /// one (an Authorizer never gets a body, and reading its stdin would hang: see SERVER-FACTS).
    public func bodyLimit(for request: Request) -> Int {
        guard request.role == .responder, request.method == "POST",
              case .clean(let path) = RoutedPath(request.scriptPath, checkRoute: routes.auth), path == routes.backchannelLogout else { return 0 }
        return Self.maxBodyBytes
    }

    /// A logout token is a few kilobytes at most.
    public static let maxBodyBytes = 16 * 1024

    /// `workers - max(1, workers / 4)`: with 4 workers, 3 may wait on the provider and 1 stays for checks.
    static func providerSlotLimit(workers: Int) -> Int { max(1, workers - max(1, workers / 4)) }

    func withProviderSlot(_ body: () throws(GatehouseError) -> Response) throws(GatehouseError) -> Response {
        guard providerSlots.acquire() else {
            metrics.budgetRejections.increment()
            throw GatehouseError(.busy, "Too many people are signing in right now. Please try again in a moment.",
                                 detail: "all \(providerSlots.limit) provider slots busy")
        }
        metrics.slotsBusy.increment()
        defer {
            providerSlots.release()
            metrics.slotsBusy.decrement()
        }
        return try body()
    }

    /// Logs the failure once, with a correlation id, and renders its page.
    func fail(_ error: GatehouseError, _ ctx: RequestContext) -> Response {
        let id = Base64URL.encode(environment.random.bytes(9))
        log(error, correlationID: id, ctx)
        guard ctx.isNavigation else { return ErrorResponse.json(for: error, extraHeaders: [Response.Header("X-Correlation-Id", id)]) }
        let home = PageContent.Action(label: "Home page", href: "/")
        let path = Request.path(of: ctx.request.scriptPath)
        if path == routes.start || path == routes.callback {
            // A failed sign-in offers a fresh one that returns to the page first asked for, when the failure knows it.
            // (A 503 for a full provider budget comes before the login start has read its `rd`: read here then.)
            let returnTo = error.returnTo ?? (path == routes.start ? loginStart.returnURL.validate(ctx.request.query["rd"]) : "/")
            let again = PageContent.Action(label: ErrorResponse.isTemporary(error.kind) ? "Try again" : "Sign in again",
                                           href: routes.loginURL(returnTo: returnTo))
            return ErrorResponse.page(for: error, correlationID: id, pages: pages, buttons: [again], links: returnTo == "/" ? [] : [home])
        }
        if error.kind == .notFound { return ErrorResponse.page(for: error, correlationID: id, pages: pages, buttons: [.init(label: "Go to the home page", href: "/")]) }
        return ErrorResponse.page(for: error, correlationID: id, pages: pages, links: [home])
    }

    func log(_ error: GatehouseError, correlationID: String?, _ ctx: RequestContext) {
        let level: Logger.Level = error.status >= 500 ? .error : .notice
        var metadata: Logger.Metadata = ["status": .stringConvertible(error.status), "detail": .string(error.detail),
                                         "path": .string(Request.path(of: ctx.request.scriptPath))]
        if let correlationID { metadata["correlation_id"] = .string(correlationID) }
        environment.logger.log(level: level, "\(error.publicMessage)", metadata: metadata)
    }
}

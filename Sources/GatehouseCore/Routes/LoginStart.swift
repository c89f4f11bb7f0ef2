import GatehouseCrypto

/// `<prefix>/start?rd=<return URL>&provider=<name>`: begins a login at the provider (state, nonce, PKCE S256
/// in a sealed pending-login cookie), or shows a chooser when several providers are configured and none named.
struct LoginStart: Sendable {
    let config: GatehouseConfig
    let routes: Routes
    let directory: ProviderDirectory
    let pending: PendingLoginCookies
    let returnURL: ReturnURL
    let random: any RandomBytesSource
    let pages: HTMLPage

    /// Parameters Gatehouse sets itself; `client_kwargs` cannot override them.
    static let reserved: Set<String> = ["response_type", "client_id", "redirect_uri", "state", "nonce", "code_challenge",
                                        "code_challenge_method", "scope", "token_endpoint_auth_method"]

    func handle(_ ctx: RequestContext, now: Int64) throws(GatehouseError) -> Response {
        let returnTo = returnURL.validate(ctx.request.query["rd"])
        do throws(GatehouseError) {
            return try start(ctx, returnTo: returnTo, now: now)
        } catch {
            throw error.returning(to: returnTo)
        }
    }

    func start(_ ctx: RequestContext, returnTo: String, now: Int64) throws(GatehouseError) -> Response {
        let query = ctx.request.query
        let providers = config.auth.providers
        guard let redirectURI = config.auth.redirectURI, !providers.isEmpty else {
            throw GatehouseError(.notFound, "No sign-in service is configured.", detail: "no [auth] provider in the config")
        }
        let provider: ProviderConfig
        if let name = query["provider"] {
            guard let p = providers[name] else {
                throw GatehouseError(.badRequest, "There is no sign-in service with that name.", detail: "unknown provider requested")
            }
            provider = p
        } else if providers.count == 1, let only = providers.values.first {
            provider = only
        } else {
            return chooser(returnTo: returnTo)
        }
        let metadata = try directory.metadata(for: provider)
        let login = PendingLogin.new(provider: provider.name, returnTo: returnTo, now: now, random: random)
        var params = QueryParameters([
            ("response_type", "code"), ("client_id", provider.clientID), ("redirect_uri", redirectURI), ("scope", provider.scope),
            ("state", login.state), ("nonce", login.nonce), ("code_challenge", login.codeChallenge), ("code_challenge_method", "S256"),
        ])
        for (key, value) in provider.clientKwargs.sorted(by: { $0.key < $1.key }) where !Self.reserved.contains(key) {
            params.append(key, value)
        }
        let endpoint = metadata.authorizationEndpoint
        let url = endpoint + (endpoint.contains("?") ? "&" : "?") + params.encoded
        let cookies = pending.start(login, existing: ctx.cookies).map { Response.Header("Set-Cookie", $0.headerValue) }
        return .redirect(to: url, headers: cookies)
    }

    /// One button per provider, in the order of their display names.
    func chooser(returnTo: String) -> Response {
        let buttons = config.auth.providers.values.sorted { ($0.shownName, $0.name) < ($1.shownName, $1.name) }.map { provider in
            PageContent.Action(label: "Sign in with \(provider.shownName)", href: routes.loginURL(provider: provider.name, returnTo: returnTo))
        }
        let title = pages.siteName.map { "Sign in to \($0)" } ?? "Sign in"
        return pages.response(PageContent(title: title, paragraphs: ["Choose how you want to sign in."], buttons: buttons, headingNamesSite: true))
    }
}

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

    /// Parameters Gatehouse sets itself; `client_kwargs` cannot override them.
    static let reserved: Set<String> = ["response_type", "client_id", "redirect_uri", "state", "nonce", "code_challenge",
                                        "code_challenge_method", "scope", "token_endpoint_auth_method"]

    func handle(_ ctx: RequestContext, now: Int64) throws(GatehouseError) -> Response {
        let query = ctx.request.query
        let returnTo = returnURL.validate(query["rd"])
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

    func chooser(returnTo: String) -> Response {
        let buttons = config.auth.providers.keys.sorted().map { name in
            (label: "Sign in with \(Self.displayName(name))",
             href: routes.loginURL(provider: name, returnTo: returnTo))
        }
        return .html(status: 200, HTMLPage.render(title: "Sign in", paragraphs: ["Choose how you want to sign in."], buttons: buttons))
    }

    static func displayName(_ name: String) -> String {
        name == AuthConfig.defaultProviderName ? "the default provider" : name.prefix(1).uppercased() + name.dropFirst()
    }
}

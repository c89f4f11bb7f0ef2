/// Gatehouse's own URLs, built once from `prefix` and `redirect_uri`; every link to one of them comes from here.
struct Routes: Sendable {
    let auth: String, start: String, callback: String, signOut: String, userinfo: String, forbidden: String
    /// Where a sign-out without `rd` ends: "You are signed out".
    let signedOut: String
    /// OpenID Connect Back-Channel Logout 1.0: the provider POSTs a logout token here (the only route with a body).
    let backchannelLogout: String
    /// OpenID Connect Front-Channel Logout 1.0: the provider's logout page frames this with `iss` and `sid`.
    let frontchannelLogout: String
    /// The metrics for a scraper (Prometheus text format).
    let metrics: String
    /// For load balancers and monitoring: 200 with JSON while this process serves checks (`Health`).
    let health: String

    init(config: GatehouseConfig) {
        let prefix = config.server.prefix
        auth = prefix + "/auth"
        start = prefix + "/start"
        callback = config.auth.callbackPath(prefix: prefix)
        signOut = prefix + "/sign_out"
        userinfo = prefix + "/userinfo"
        forbidden = prefix + "/forbidden"
        signedOut = prefix + "/signed_out"
        backchannelLogout = prefix + "/backchannel_logout"
        frontchannelLogout = prefix + "/frontchannel_logout"
        metrics = prefix + "/metrics"
        health = prefix + "/health"
    }

    /// The login start that comes back to `returnTo` (a path and query on this site).
    func loginURL(returnTo: String) -> String {
        "\(start)?rd=\(PercentEncoding.encode(returnTo))"
    }

    /// The login start with one provider chosen.
    func loginURL(provider: String, returnTo: String) -> String {
        "\(start)?provider=\(PercentEncoding.encode(provider))&rd=\(PercentEncoding.encode(returnTo))"
    }

    /// Sign-out that then goes to `returnTo`.
    func signOutURL(returnTo: String) -> String {
        "\(signOut)?rd=\(PercentEncoding.encode(returnTo))"
    }
}

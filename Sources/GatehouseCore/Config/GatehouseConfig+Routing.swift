extension GatehouseConfig {
    /// The paths the shipped nginx, Apache and lighttpd configs send to Gatehouse as pages: `/oauth2/...` and
    /// Streamlit's `/oauth2callback`.
    public static let shippedRoutePrefix = "/oauth2"
    public static let shippedCallbackPath = "/oauth2callback"

    /// What the shipped web-server configs would not route to Gatehouse with this config, each with what to add.
    /// A callback that the web server does not route loops through the login forever, and nothing else says why.
    public var routingWarnings: [String] {
        var warnings: [String] = []
        let prefix = server.prefix
        if prefix != Self.shippedRoutePrefix {
            warnings.append("prefix \(prefix) is not the shipped configs' \(Self.shippedRoutePrefix): change /oauth2/ to \(prefix)/ "
                + "in gatehouse-routes.conf and gatehouse-protect.conf (nginx), gatehouse-routes.conf (Apache) and gatehouse.conf (lighttpd)")
        }
        let callback = auth.callbackPath(prefix: prefix)
        if auth.redirectURI != nil, !callback.hasPrefix(prefix + "/"), callback != Self.shippedCallbackPath {
            warnings.append("the callback path \(callback) (from redirect_uri) is not routed to Gatehouse by the shipped configs: "
                + "nginx: copy the `location = /oauth2callback` block of gatehouse-routes.conf as `location = \(callback)`; "
                + "Apache: a <Location \"\(callback)\"> like the /oauth2callback one in gatehouse-routes.conf; "
                + "lighttpd: add it to the responder's URL pattern in gatehouse.conf")
        }
        return warnings
    }
}

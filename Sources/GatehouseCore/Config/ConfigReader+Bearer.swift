import TOMLKit

/// `[gatehouse.bearer]` and each provider's `introspection`: API clients with access tokens.
extension ConfigReader {
    static let bearerKeys: Set<String> = ["enabled", "audiences", "providers", "accept_id_tokens", "introspection_cache_ttl",
                                          "introspection_negative_ttl"]

    mutating func readBearer(_ gh: TOMLTable, auth: AuthConfig) -> BearerConfig {
        var bearer = BearerConfig()
        guard let t = table(gh, "bearer", path: "gatehouse.bearer") else { return bearer }
        checkKnownKeys(t, path: "gatehouse.bearer", known: Self.bearerKeys)
        if let b = bool(t, "enabled", path: "gatehouse.bearer.enabled") { bearer.enabled = b }
        bearer.audiences = strings(t, "audiences", path: "gatehouse.bearer.audiences")
        for (i, a) in bearer.audiences.enumerated() where a.isEmpty { problem("gatehouse.bearer.audiences[\(i)]", "must not be empty") }
        bearer.providers = strings(t, "providers", path: "gatehouse.bearer.providers")
        for (i, name) in bearer.providers.enumerated() where auth.providers[name] == nil {
            problem("gatehouse.bearer.providers[\(i)]",
                    "no provider \"\(name)\" (the [auth] one is \"\(AuthConfig.defaultProviderName)\", [auth.<name>] adds <name>)")
        }
        if let b = bool(t, "accept_id_tokens", path: "gatehouse.bearer.accept_id_tokens") { bearer.acceptIDTokens = b }
        if let d = duration(t, "introspection_cache_ttl", path: "gatehouse.bearer.introspection_cache_ttl") {
            if d <= .seconds(3600) { bearer.introspectionCacheTTL = d }
            else { problem("gatehouse.bearer.introspection_cache_ttl", "must be at most 1 hour (it is how late a revoked token is noticed)") }
        }
        if let d = duration(t, "introspection_negative_ttl", path: "gatehouse.bearer.introspection_negative_ttl") {
            if d <= .seconds(300) { bearer.introspectionNegativeTTL = d }
            else { problem("gatehouse.bearer.introspection_negative_ttl", "must be at most 5 minutes") }
        }
        if bearer.enabled {
            if bearer.audiences.isEmpty {
                problem("gatehouse.bearer.audiences", "missing: the audiences (aud) your API's tokens are issued for, e.g. [\"https://api.example.com\"]")
            }
            if auth.providers.isEmpty { problem("gatehouse.bearer.enabled", "bearer tokens need a provider in [auth]") }
        }
        // An opaque token names no issuer: it is sent to one provider only, never offered to several.
        let introspecting = auth.providers.values.filter { $0.introspection != .off && bearer.accepts(provider: $0.name) }.map(\.name).sorted()
        if introspecting.count > 1 {
            problem("gatehouse.providers.\(introspecting[1]).introspection",
                    "only one provider may introspect opaque tokens (an opaque token is never shown to a provider that did not issue it); \(introspecting[0]) already does")
        }
        return bearer
    }

    /// `introspection = true` (the discovery document's endpoint) or an http(s) URL.
    mutating func readIntrospection(_ t: TOMLTable, path: String) -> ProviderConfig.Introspection {
        guard let v = t["introspection"] else { return .off }
        if let b = v.bool { return b ? .discovered : .off }
        if let s = v.string, URLParts(s) != nil { return .endpoint(s) }
        problem(path, "write true (the provider's introspection_endpoint from discovery) or an http(s) URL")
        return .off
    }
}

extension BearerConfig {
    /// Whether tokens of this provider count.
    public func accepts(provider name: String) -> Bool { providers.isEmpty || providers.contains(name) }
}

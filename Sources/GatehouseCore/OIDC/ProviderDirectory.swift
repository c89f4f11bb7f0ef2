import Synchronization

/// Discovery documents and key sets of the configured providers, fetched on first use and cached for
/// `metadata_ttl`. A failed fetch is not cached: the next login tries again. Key sets are re-fetched when a
/// token names a `kid` they lack, at most `maxRefetches` times per minute per provider.
public final class ProviderDirectory: Sendable {
    let http: any OutboundHTTP
    let ttl: Int64
    let now: @Sendable () -> Int64
    let metrics: GatehouseMetrics
    static let maxRefetches = 5
    static let maxDocumentBytes = 512 * 1024

    private struct Entry {
        var metadata: ProviderMetadata?
        var metadataFetched: Int64 = 0
        var keys: JWKSet?
        var keysFetched: Int64 = 0
        var keysURI: String?
        var refetches: [Int64] = []
    }

    private let entries = Mutex<[String: Entry]>([:])

    public init(http: any OutboundHTTP, ttl: Duration, now: @escaping @Sendable () -> Int64, metrics: GatehouseMetrics = GatehouseMetrics()) {
        self.http = http
        self.metrics = metrics
        self.ttl = ttl.wholeSeconds
        self.now = now
    }

    /// The provider's metadata, from cache or freshly fetched and validated.
    public func metadata(for provider: ProviderConfig) throws(GatehouseError) -> ProviderMetadata {
        let t = now()
        if let cached = entries.withLock({ $0[provider.name] }), let m = cached.metadata, t - cached.metadataFetched < ttl { return m }
        let body = try fetch(provider.serverMetadataURL, what: "discovery document", provider: provider.name, endpoint: .discovery)
        switch ProviderMetadata.parse(body, expectedIssuer: ProviderMetadata.expectedIssuer(forMetadataURL: provider.serverMetadataURL)) {
        case .success(let m):
            entries.withLock { all in
                var e = all[provider.name] ?? Entry()
                // New metadata may name a new jwks_uri: the cached keys then no longer apply.
                if e.keysURI != m.jwksURI { e.keys = nil }
                e.metadata = m
                e.metadataFetched = t
                all[provider.name] = e
            }
            return m
        case .failure(let problem):
            throw GatehouseError(.providerUnavailable, "The sign-in service \"\(provider.name)\" is misconfigured; no login was started.",
                                 detail: "provider \(provider.name): \(problem.description)")
        }
    }

    /// The cached metadata, or nil when only a fetch would tell (the bearer check then takes a provider slot).
    public func cachedMetadata(for provider: ProviderConfig) -> ProviderMetadata? {
        let t = now()
        guard let cached = entries.withLock({ $0[provider.name] }), let m = cached.metadata, t - cached.metadataFetched < ttl else { return nil }
        return m
    }

    /// The cached candidate keys, or nil when only a fetch would tell (no fresh key set, or an unknown `kid`).
    public func cachedKeys(for provider: ProviderConfig, metadata: ProviderMetadata, alg: String, kid: String?) -> [JWKSet.Key]? {
        let t = now()
        guard let cached = entries.withLock({ $0[provider.name] }), let set = cached.keys, cached.keysURI == metadata.jwksURI,
              t - cached.keysFetched < ttl else { return nil }
        let found = set.candidates(alg: alg, kid: kid)
        return !found.isEmpty || kid == nil ? found : nil
    }

    /// Candidate keys for a token header; re-fetches the key set once when the `kid` is unknown.
    public func keys(for provider: ProviderConfig, metadata: ProviderMetadata, alg: String, kid: String?) throws(GatehouseError) -> [JWKSet.Key] {
        let t = now()
        let cached = entries.withLock { $0[provider.name] }
        if let set = cached?.keys, cached?.keysURI == metadata.jwksURI, t - (cached?.keysFetched ?? 0) < ttl {
            let found = set.candidates(alg: alg, kid: kid)
            if !found.isEmpty || kid == nil { return found }
            guard allowRefetch(provider.name, at: t) else {
                metrics.jwksRefetch(provider: provider.name, outcome: "rate_limited")
                return []
            }
            metrics.jwksRefetch(provider: provider.name, outcome: "fetched")
        }
        let body = try fetch(metadata.jwksURI, what: "key set (JWKS)", provider: provider.name, endpoint: .jwks)
        guard let set = JWKSet(parsing: body) else {
            throw GatehouseError(.providerUnavailable, "The sign-in service sent unusable keys.", detail: "provider \(provider.name): JWKS is not a JSON key set")
        }
        entries.withLock { all in
            var e = all[provider.name] ?? Entry()
            e.keys = set
            e.keysURI = metadata.jwksURI
            e.keysFetched = t
            all[provider.name] = e
        }
        return set.candidates(alg: alg, kid: kid)
    }

    private func allowRefetch(_ name: String, at t: Int64) -> Bool {
        entries.withLock { all in
            var e = all[name] ?? Entry()
            e.refetches = e.refetches.filter { t - $0 < 60 }
            guard e.refetches.count < Self.maxRefetches else { return false }
            e.refetches.append(t)
            all[name] = e
            return true
        }
    }

    func fetch(_ url: String, what: String, provider: String, endpoint: OutboundRequest.Endpoint) throws(GatehouseError) -> [UInt8] {
        let response: OutboundResponse
        do {
            response = try http.send(OutboundRequest(method: .get, url: url, headers: [Response.Header("Accept", "application/json")], endpoint: endpoint))
        } catch {
            throw .provider(error, "The sign-in service is not reachable right now. Please try again in a moment.",
                            detail: "provider \(provider): fetching its \(what) failed")
        }
        guard response.status == 200, response.body.count <= Self.maxDocumentBytes else {
            throw GatehouseError(.providerUnavailable, "The sign-in service is not answering properly right now. Please try again in a moment.",
                                 detail: "provider \(provider): its \(what) answered HTTP \(response.status)")
        }
        return response.body
    }
}

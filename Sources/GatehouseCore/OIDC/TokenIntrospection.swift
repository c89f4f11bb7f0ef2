/// RFC 7662 token introspection: asks the provider whether an opaque access token is active, with the client's
/// authentication as for the token endpoint. Any answer other than a JSON object from a 200 means the token
/// cannot be checked now (503, never a 200 and never a verdict on the token).
struct TokenIntrospection: Sendable {
    let tokens: TokenClient

    enum Answer: Sendable, Equatable {
        /// `active: true`, with the answer's claims (`sub`, `scope`, `aud`, `exp`, ...).
        case active([String: JSONValue])
        case inactive
    }

    func introspect(_ token: String, endpoint: String, provider: ProviderConfig, metadata: ProviderMetadata) throws(GatehouseError) -> Answer {
        let form = QueryParameters([("token", token), ("token_type_hint", "access_token")])
        let response: OutboundResponse
        do {
            response = try tokens.http.send(tokens.clientAuthenticatedPost(form, url: endpoint, provider: provider, metadata: metadata, endpoint: .introspection))
        } catch {
            throw GatehouseError(.tokenUnverifiable, "The access token cannot be checked right now. Please try again in a moment.",
                                 detail: "introspection endpoint of \(provider.name): \(error.description)")
        }
        return try Self.parse(response, provider: provider.name)
    }

    /// The answer's meaning; only `active: true` (the JSON boolean) counts as active.
    static func parse(_ response: OutboundResponse, provider: String) throws(GatehouseError) -> Answer {
        guard response.status == 200, response.body.count <= ProviderDirectory.maxDocumentBytes, let json = JSONText.parseObject(response.body) else {
            throw GatehouseError(.tokenUnverifiable, "The access token cannot be checked right now. Please try again in a moment.",
                                 detail: "introspection endpoint of \(provider) answered HTTP \(response.status) without a JSON object")
        }
        guard case .bool(true)? = json["active"] else { return .inactive }
        return .active(json)
    }
}

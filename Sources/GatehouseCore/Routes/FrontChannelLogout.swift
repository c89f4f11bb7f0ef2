import Logging

/// `<prefix>/frontchannel_logout?iss=&sid=` (OpenID Connect Front-Channel Logout 1.0): the provider's logout page
/// loads it in an iframe. The `iss` must be a configured provider's issuer exactly; every session of that provider
/// session (`sid`) is then revoked, on every instance sharing the state store, and a small page answers, framable
/// by the providers only. It acts on `iss` and `sid`, never on the cookie alone: the provider's iframe is
/// cross-site, so a `SameSite` cookie does not arrive there, and a cookie-only logout would be logout CSRF.
/// Register it with `frontchannel_logout_session_required`. Without a state store: 501.
struct FrontChannelLogout: Sendable {
    let config: GatehouseConfig
    let directory: ProviderDirectory
    let lifecycle: SessionLifecycle?
    let logger: Logger
    let pages: HTMLPage

    func handle(_ ctx: RequestContext, now: Int64) throws(GatehouseError) -> Response {
        guard ctx.request.method == "GET" else { throw GatehouseError(.methodNotAllowed, "Front-channel logout takes a GET.") }
        guard let lifecycle else {
            throw GatehouseError(.notImplemented, "Front-channel logout needs a state store.", detail: "state = \"none\": sessions cannot be revoked")
        }
        let query = ctx.request.query
        guard let iss = query["iss"], let sid = query["sid"], !iss.isEmpty, !sid.isEmpty else {
            throw GatehouseError(.badRequest, "This logout request names no provider session.", detail: "front-channel logout without iss and sid")
        }
        let issuers = knownIssuers()
        guard issuers.contains(iss) else {
            throw GatehouseError(.badRequest, "This logout request comes from an unknown sign-in service.", detail: "front-channel logout: iss is no configured provider's issuer")
        }
        do { try lifecycle.revoke(.providerSession(issuer: iss, sid: sid), before: now, now: now) } catch {
            throw GatehouseError(.busy, "The logout could not be recorded now.", detail: "state store: \(error.description)")
        }
        logger.info("front-channel logout", metadata: ["scope": "provider session"])
        let ancestors = issuers.compactMap { URLParts($0)?.origin }.sorted().joined(separator: " ")
        return pages.response(PageContent(title: "Signed out", paragraphs: ["You are signed out of this site."]),
                              frameAncestors: ancestors.isEmpty ? "'none'" : ancestors)
    }

    /// The issuers of the configured providers whose discovery documents can be had (cached).
    func knownIssuers() -> Set<String> {
        Set(config.auth.providers.values.compactMap { try? directory.metadata(for: $0).issuer })
    }
}

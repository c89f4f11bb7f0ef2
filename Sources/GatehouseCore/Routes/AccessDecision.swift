/// What the check decided about one request, before any thought of FastCGI roles or headers: `CheckAnswer`
/// turns it into the response the web server expects.
enum AccessDecision: Sendable, Equatable {
    /// A session that every rule allows.
    case allow(Session)
    /// No usable session: sign in, then come back to `returnTo` (the original request's path and query).
    case signInRequired(returnTo: String)
    /// A session that a rule refuses; `reason` is for the log only.
    case denied(Session, reason: String)
    /// A bearer token that is no credential (RFC 6750 `invalid_token`): never a login, whatever the request.
    case tokenRefused(reason: String)
    /// A bearer token without every scope the location requires (RFC 6750 `insufficient_scope`).
    case missingScope(Session, scopes: [String])
}

/// Everything Gatehouse runs with, read once at start-up. Every default is written here and only here;
/// docs/configuration.md documents each key (a test keeps the two in step).
public struct GatehouseConfig: Sendable {
    public var auth: AuthConfig
    public var server: ServerConfig
    public var cookie: CookieConfig
    public var headers: IdentityHeaderConfig
    public var logging: LoggingConfig
    public var provider: ProviderIOConfig
    /// `[gatehouse.rules]`: who may enter anywhere (locations may narrow it further).
    public var rules: AccessRules
}

/// Streamlit's `[auth]` table, with Streamlit's meanings.
public struct AuthConfig: Sendable {
    /// `redirect_uri`: where the provider sends the browser back. Its path is the callback route.
    public var redirectURI: String?
    /// `cookie_secret` first (it seals), then `[gatehouse] previous_cookie_secrets` (they only open).
    public var cookieSecrets: [String]
    /// The unnamed provider of `[auth]` is called "default"; `[auth.<name>]` tables add named ones.
    public var providers: [String: ProviderConfig]
    /// `expose_tokens`: "id", "access", or both.
    public var exposeTokens: Set<TokenKind>

    public enum TokenKind: String, Sendable, CaseIterable { case id, access }

    public static let defaultProviderName = "default"

    /// The callback path: the path of `redirect_uri`, or `<prefix>/callback`.
    public func callbackPath(prefix: String) -> String {
        if let uri = redirectURI, let path = URLParts(uri)?.path, !path.isEmpty { return path }
        return prefix + "/callback"
    }
}

public struct ProviderConfig: Sendable {
    public var name: String
    public var clientID: String
    public var clientSecret: String?
    public var serverMetadataURL: String
    /// `client_kwargs` values as authorize-request parameters (`scope`, `prompt`, `hd`, ...).
    public var clientKwargs: [String: String]
    /// Streamlit's default scope.
    public static let defaultScope = "openid email profile"
    public var scope: String { clientKwargs["scope"] ?? Self.defaultScope }
    /// Token endpoint client authentication: `client_secret_basic` unless `client_kwargs.token_endpoint_auth_method` says post.
    public var tokenEndpointAuthMethod: String { clientKwargs["token_endpoint_auth_method"] ?? "client_secret_basic" }
    /// Signing algorithms accepted in addition to the provider's advertised list (`none`/`HS*` only when named here).
    public var allowedSigningAlgorithms: [String]
    /// Ask the userinfo endpoint (when the provider has one) for claims beyond the ID token's.
    public var fetchUserinfo: Bool = true
}

/// `[gatehouse]`: how the FastCGI server listens and routes.
public struct ServerConfig: Sendable {
    public var listen: ListenAddress = .unix(path: "/run/gatehouse/gatehouse.sock")
    /// Unix socket permission bits. 0660: the web server's user must share Gatehouse's group.
    public var socketMode: UInt16 = 0o660
    /// Worker threads. Logins wait on the provider; the check never does, so a few spare threads keep it fast.
    public var workers: Int = 16
    /// What `workers` may be (config and `--workers` alike).
    public static let workerRange = 1...1024
    public var prefix: String = "/oauth2"
    /// Client addresses (exact IPs or CIDR ranges) whose X-Forwarded-* headers are believed.
    public var trustedProxies: [IPRange] = []
    /// Hosts allowed as absolute return targets: exact (`app.example.com`) or a leading dot for subdomains (`.example.com`).
    public var allowedRedirectHosts: [String] = []
    /// How long a FastCGI connection may stay silent while its request is read (libfcgi has no timeout of its own).
    public var readTimeout: Duration = .seconds(10)
    /// How long a pending login (state, nonce, PKCE verifier) lives.
    public var loginTimeout: Duration = .seconds(600)
    /// At most this many pending-login cookies; the oldest is dropped beyond it.
    public var maxPendingLogins: Int = 3
}

public struct CookieConfig: Sendable {
    public var name: String = "_gatehouse"
    public var domain: String?
    public var path: String = "/"
    public var sameSite: SetCookie.SameSite = .lax
    public var secure: Bool = true
    /// Streamlit's 30 days.
    public var lifetime: Duration = .seconds(30 * 24 * 3600)
    /// The groups a session keeps (`admins`, or `team-*` for a prefix); nil keeps every group.
    public var sessionGroups: [String]?
}

/// Header names for the identity Gatehouse hands downstream, oauth2-proxy's by default.
public struct IdentityHeaderConfig: Sendable {
    public var user = "X-Auth-Request-User"
    public var email = "X-Auth-Request-Email"
    public var preferredUsername = "X-Auth-Request-Preferred-Username"
    public var groups = "X-Auth-Request-Groups"
    public var name = "X-Auth-Request-Name"
    /// The name of the provider the session came from (`default`, or `<name>` of `[auth.<name>]`).
    public var provider = "X-Auth-Request-Provider"
    /// Which claim is "the user".
    public var userClaim = "sub"
    /// `user_claim = "sub@"`: the user is `<claim>@<issuer without https://>`, unique across providers
    /// (mod_auth_openidc's `OIDCRemoteUserClaim sub@`).
    public var userClaimAppendsIssuer = false
    /// Which claim holds groups (a dotted path such as `realm_access.roles` reaches into objects).
    public var groupsClaim = Self.defaultGroupsClaim
    public static let defaultGroupsClaim = "groups"
    /// More claims passed as `<claimPrefix><Claim-Name>` (`department` → `X-Auth-Request-Claim-Department`).
    public var extraClaims: [String] = []
    public var claimPrefix = "X-Auth-Request-Claim-"
    public enum Encoding: String, Sendable { case percent, raw }
    /// How non-ASCII values are written (see IdentityHeaders).
    public var encoding: Encoding = .percent

    /// `realm_access.roles` → `X-Auth-Request-Claim-Realm-Access-Roles`.
    public static func headerName(forClaim claim: String, prefix: String) -> String {
        prefix + claim.split(whereSeparator: { !$0.isLetter && !$0.isNumber || !$0.isASCII })
            .map { $0.prefix(1).uppercased() + $0.dropFirst().lowercased() }.joined(separator: "-")
    }
}

public struct LoggingConfig: Sendable {
    public enum Format: String, Sendable { case plain, json }
    public enum Level: String, Sendable, CaseIterable { case trace, debug, info, notice, warning, error, critical }
    public var level: Level = .info
    public var format: Format = .plain
}

/// Outbound HTTP to the provider.
public struct ProviderIOConfig: Sendable {
    public var connectTimeout: Duration = .seconds(5)
    public var totalTimeout: Duration = .seconds(10)
    /// CA bundle for the provider's TLS; nil uses the system's.
    public var caFile: String?
    /// How long discovery and JWKS documents are reused.
    public var metadataTTL: Duration = .seconds(3600)
}

/// Everything Gatehouse runs with, read once at start-up. Every default is written here and only here;
/// docs/configuration.md documents each key (a test keeps the two in step).
public struct GatehouseConfig: Sendable {
    public var auth: AuthConfig
    public var server: ServerConfig
    public var cookie: CookieConfig
    public var headers: IdentityHeaderConfig
    public var logging: LoggingConfig
    public var provider: ProviderIOConfig
    /// `state`, refresh and revocation: what may change after login.
    public var state: StateConfig = StateConfig()
    /// `[gatehouse.rules]`: who may enter anywhere (locations may narrow it further).
    public var rules: AccessRules
    /// `[gatehouse.pages]`: the site's name, logo, colour and footer on Gatehouse's own pages.
    public var pages: PagesConfig = PagesConfig()
    /// `[gatehouse.bearer]`: API clients with `Authorization: Bearer` access tokens (off by default).
    public var bearer: BearerConfig = BearerConfig()
}

/// `[gatehouse.pages]`: how Gatehouse's own pages (chooser, signed out, 403, errors) carry the site's brand.
public struct PagesConfig: Sendable {
    /// Shown as "Sign in to <site_name>"; nil: the host of `redirect_uri`.
    public var siteName: String?
    /// An `https://` URL or a path on this site (`/logo.svg`); nil: no logo.
    public var logoURL: String?
    /// Links and buttons; checked at load for 4.5:1 contrast on the light card.
    public var accentColor: AccentColor = .default
    /// A small, checked subset of HTML (`FooterHTML`); nil: no footer.
    public var footer: FooterHTML?
    /// `templates`: the operator's `page.mustache` from that directory, checked at load; nil: Gatehouse's layout.
    public var template: PageTemplate?
}

/// `[gatehouse.bearer]`: access tokens as credentials (RFC 6750), JWTs checked with the provider's keys
/// (RFC 9068), opaque ones by introspection (RFC 7662). When a request carries a bearer token, the token alone
/// decides (the cookie is not read): see docs/configuration.md, "API clients".
public struct BearerConfig: Sendable {
    public var enabled = false
    /// A token's `aud` must contain one of these (required when enabled).
    public var audiences: [String] = []
    /// Providers whose tokens count; empty: every configured one.
    public var providers: [String] = []
    /// An ID token offered as a bearer token is refused unless this is set.
    public var acceptIDTokens = false
    /// How long an active introspection answer is reused (never past the token's `exp`).
    public var introspectionCacheTTL: Duration = .seconds(60)
    /// How long an inactive answer is reused: briefly, so a token activated later works soon.
    public var introspectionNegativeTTL: Duration = .seconds(10)
    /// Clock skew tolerated on `exp`, `nbf` and `iat`.
    public static let leeway: Int64 = 60
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
    /// `[gatehouse.providers.<name>] display_name`: the name on its button ("Sign in with <display name>").
    public var displayName: String?

    /// The name people see: `display_name`, else the config key capitalised ("work" → "Work").
    public var shownName: String {
        if let displayName { return displayName }
        return name == AuthConfig.defaultProviderName ? "your account" : name.prefix(1).uppercased() + name.dropFirst()
    }

    /// RFC 7662 introspection of opaque bearer tokens (`[gatehouse.providers.<name>] introspection`).
    public var introspection: Introspection = .off

    public enum Introspection: Sendable, Equatable {
        case off
        /// `true`: the discovery document's `introspection_endpoint`.
        case discovered
        /// A URL given in the config.
        case endpoint(String)
    }
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
    /// How long nginx may keep a check's 200 (`X-Accel-Expires`, with `nginx/gatehouse-routes-cached.conf`); 0: never.
    /// 5 s: a page's burst of asset requests costs one check, and a sign-out or revocation waits at most this long.
    public var decisionCacheTTL: Duration = .seconds(5)
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

/// The state store and the session lifecycle it carries (docs/sessions.md).
public struct StateConfig: Sendable {
    public enum Backend: Sendable, Equatable {
        /// Purely stateless: no refresh, no revocation; a session is what the login said until `cookie_lifetime`.
        case none
        /// `sqlite:/path/state.db`: one file, shared by every process on this machine.
        case sqlite(path: String)
        /// `redis://HOST:PORT/DB`: shared by every machine; revocations reach every instance through pub/sub.
        case redis(host: String, port: Int, database: Int)
    }
    /// The default file: systemd's `StateDirectory=gatehouse` is /var/lib/gatehouse.
    public static let defaultSQLitePath = "/var/lib/gatehouse/state.db"
    public var backend: Backend = .sqlite(path: Self.defaultSQLitePath)
    /// `state_password` (Redis AUTH), from `[gatehouse.secret_files]`/`[gatehouse.secret_env]` or inline.
    public var password: String?
    /// A session whose claims are older than this is refreshed with the provider (in the background).
    public var refreshInterval: Duration = .seconds(15 * 60)
    /// How long past due a session is still served while the provider cannot refresh it (down, slow).
    public var refreshGrace: Duration = .seconds(3600)
    /// Sessions without a refresh token end `refresh_interval + refresh_grace` after login (the provider is asked
    /// again, silently while its own session lasts) instead of living `cookie_lifetime` on the login's claims.
    public var requireRefresh = false
    /// The revoked sessions the in-memory mirror holds at its stated false-positive rate (`Revocations`).
    public var revocationCapacity = 1_000_000

    /// Parses `none`, `sqlite:/abs/path`, `redis://host:port/db`; nil when it is none of these.
    public static func parseBackend(_ text: String) -> Backend? {
        if text == "none" { return Backend.none }
        if text.hasPrefix("sqlite:") {
            let path = String(text.dropFirst("sqlite:".count))
            return path.hasPrefix("/") && !path.hasSuffix("/") ? .sqlite(path: path) : nil
        }
        if text.hasPrefix("redis://") {
            var rest = Substring(text.dropFirst("redis://".count))
            guard !rest.contains("@") else { return nil }
            var database = 0
            if let slash = rest.firstIndex(of: "/") {
                let db = rest[rest.index(after: slash)...]
                guard db.isEmpty || Int(db) != nil, let n = db.isEmpty ? 0 : Int(db), (0...15).contains(n) else { return nil }
                database = n
                rest = rest[..<slash]
            }
            var host = String(rest), port = 6379
            if let colon = rest.lastIndex(of: ":") {
                guard let p = Int(rest[rest.index(after: colon)...]), (1...65535).contains(p) else { return nil }
                host = String(rest[..<colon]); port = p
            }
            guard !host.isEmpty, host.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "/") }) else { return nil }
            return .redis(host: host, port: port, database: database)
        }
        return nil
    }
}

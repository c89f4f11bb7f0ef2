import TOMLKit

/// Walks the TOML tree, converting each key and collecting every problem with its key path.
struct ConfigReader {
    let environment: ConfigEnvironment
    private(set) var problems: [ConfigProblem] = []

    init(environment: ConfigEnvironment) { self.environment = environment }

    mutating func problem(_ path: String, _ message: String) { problems.append(ConfigProblem(path, message)) }

    mutating func read(root: TOMLTable) -> GatehouseConfig? {
        let gh = table(root, "gatehouse", path: "gatehouse") ?? TOMLTable()
        checkKnownKeys(gh, path: "gatehouse", known: Self.gatehouseKeys)
        let secrets = readSecretSources(gh)
        var server = ServerConfig()
        var cookie = CookieConfig()
        var headers = IdentityHeaderConfig()
        var logging = LoggingConfig()
        var io = ProviderIOConfig()

        if let text = string(gh, "listen", path: "gatehouse.listen") {
            if let address = ListenAddress(parsing: text) { server.listen = address } else {
                problem("gatehouse.listen", "use unix:/path/to.sock, tcp:HOST:PORT, fd:N or systemd")
            }
        }
        if let v = gh["socket_mode"] {
            if let s = v.string, let mode = UInt16(s, radix: 8), mode <= 0o777 { server.socketMode = mode }
            else { problem("gatehouse.socket_mode", "write the mode as an octal string, e.g. \"0660\"") }
        }
        if let n = int(gh, "workers", path: "gatehouse.workers") {
            let range = ServerConfig.workerRange
            if range.contains(n) { server.workers = n } else { problem("gatehouse.workers", "must be between \(range.lowerBound) and \(range.upperBound)") }
        }
        if let p = string(gh, "prefix", path: "gatehouse.prefix") {
            if p.hasPrefix("/"), !p.hasSuffix("/"), !p.contains("?"), !p.contains("#") { server.prefix = p }
            else { problem("gatehouse.prefix", "must start with / and not end with /, e.g. \"/oauth2\"") }
        }
        for (i, entry) in strings(gh, "trusted_proxies", path: "gatehouse.trusted_proxies").enumerated() {
            if let r = IPRange(parsing: entry) { server.trustedProxies.append(r) }
            else { problem("gatehouse.trusted_proxies[\(i)]", "not an IP address or CIDR range") }
        }
        for (i, host) in strings(gh, "allowed_redirect_hosts", path: "gatehouse.allowed_redirect_hosts").enumerated() {
            let h = host.lowercased()
            if h.isEmpty || h.contains("/") || h.contains("@") || h.contains(":") || h.contains("*") {
                problem("gatehouse.allowed_redirect_hosts[\(i)]", "write a host name, or .example.com for its subdomains")
            } else { server.allowedRedirectHosts.append(h) }
        }
        if let d = duration(gh, "login_timeout", path: "gatehouse.login_timeout") { server.loginTimeout = d }
        if let d = duration(gh, "read_timeout", path: "gatehouse.read_timeout") {
            if d >= .seconds(1) { server.readTimeout = d } else { problem("gatehouse.read_timeout", "must be at least 1 second") }
        }
        if let d = duration(gh, "decision_cache_ttl", path: "gatehouse.decision_cache_ttl") {
            if d <= .seconds(3600) { server.decisionCacheTTL = d } else { problem("gatehouse.decision_cache_ttl", "must be at most 1 hour (it is how late a sign-out takes effect)") }
        }
        if let n = int(gh, "max_pending_logins", path: "gatehouse.max_pending_logins") {
            if (1...10).contains(n) { server.maxPendingLogins = n } else { problem("gatehouse.max_pending_logins", "must be between 1 and 10") }
        }

        if let name = string(gh, "cookie_name", path: "gatehouse.cookie_name") {
            if Self.isToken(name) { cookie.name = name } else { problem("gatehouse.cookie_name", "use letters, digits, '-' and '_' only") }
        }
        if let d = string(gh, "cookie_domain", path: "gatehouse.cookie_domain") {
            if Self.isToken(d.replacingOccurrences(of: ".", with: "")) { cookie.domain = d } else { problem("gatehouse.cookie_domain", "not a domain name") }
        }
        if let p = string(gh, "cookie_path", path: "gatehouse.cookie_path") {
            if p.hasPrefix("/"), !p.contains(";"), p.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) { cookie.path = p }
            else { problem("gatehouse.cookie_path", "must start with / and hold no spaces or ';'") }
        }
        if let s = string(gh, "cookie_samesite", path: "gatehouse.cookie_samesite") {
            switch s.lowercased() {
            case "lax": cookie.sameSite = .lax
            case "strict": cookie.sameSite = .strict
            case "none": cookie.sameSite = .none
            default: problem("gatehouse.cookie_samesite", "must be \"lax\", \"strict\" or \"none\"")
            }
        }
        if let b = bool(gh, "cookie_secure", path: "gatehouse.cookie_secure") { cookie.secure = b }
        if cookie.sameSite == .none && !cookie.secure {
            problem("gatehouse.cookie_samesite", "SameSite=None needs cookie_secure = true (browsers drop it otherwise)")
        }
        if let d = duration(gh, "cookie_lifetime", path: "gatehouse.cookie_lifetime") {
            if d > .zero { cookie.lifetime = d } else { problem("gatehouse.cookie_lifetime", "must be longer than 0") }
        }

        if let h = table(gh, "headers", path: "gatehouse.headers") {
            checkKnownKeys(h, path: "gatehouse.headers", known: ["user", "email", "preferred_username", "groups", "name", "provider", "user_claim",
                                                                  "groups_claim", "claims", "claim_prefix", "encoding"])
            func header(_ key: String, _ target: inout String) {
                if let v = string(h, key, path: "gatehouse.headers.\(key)") {
                    if Self.isToken(v) { target = v } else { problem("gatehouse.headers.\(key)", "not a valid header name") }
                }
            }
            header("user", &headers.user); header("email", &headers.email)
            header("preferred_username", &headers.preferredUsername); header("groups", &headers.groups); header("name", &headers.name)
            header("provider", &headers.provider)
            if let c = string(h, "user_claim", path: "gatehouse.headers.user_claim") {
                if c.hasSuffix("@") {
                    if c.count > 1 { headers.userClaim = String(c.dropLast()); headers.userClaimAppendsIssuer = true }
                    else { problem("gatehouse.headers.user_claim", "write a claim, or a claim and @ (\"sub@\") to append the issuer") }
                } else { headers.userClaim = c }
            }
            if let c = string(h, "groups_claim", path: "gatehouse.headers.groups_claim") { headers.groupsClaim = c }
            header("claim_prefix", &headers.claimPrefix)
            for (i, claim) in strings(h, "claims", path: "gatehouse.headers.claims").enumerated() {
                let name = IdentityHeaderConfig.headerName(forClaim: claim, prefix: headers.claimPrefix)
                if claim.isEmpty || name == headers.claimPrefix || !Self.isToken(name) {
                    problem("gatehouse.headers.claims[\(i)]", "claim names need letters or digits (they become header names)")
                } else { headers.extraClaims.append(claim) }
            }
            if let e = string(h, "encoding", path: "gatehouse.headers.encoding") {
                if let enc = IdentityHeaderConfig.Encoding(rawValue: e) { headers.encoding = enc }
                else { problem("gatehouse.headers.encoding", "must be \"percent\" or \"raw\"") }
            }
        }

        if let l = string(gh, "log_level", path: "gatehouse.log_level") {
            if let level = LoggingConfig.Level(rawValue: l.lowercased()) { logging.level = level }
            else { problem("gatehouse.log_level", "must be one of \(LoggingConfig.Level.allCases.map(\.rawValue).joined(separator: ", "))") }
        }
        if let f = string(gh, "log_format", path: "gatehouse.log_format") {
            if let format = LoggingConfig.Format(rawValue: f.lowercased()) { logging.format = format }
            else { problem("gatehouse.log_format", "must be \"plain\" or \"json\"") }
        }
        if let d = duration(gh, "provider_connect_timeout", path: "gatehouse.provider_connect_timeout") { io.connectTimeout = d }
        if let d = duration(gh, "provider_timeout", path: "gatehouse.provider_timeout") { io.totalTimeout = d }
        if let ca = string(gh, "provider_ca_file", path: "gatehouse.provider_ca_file") { io.caFile = ca }
        if let d = duration(gh, "metadata_ttl", path: "gatehouse.metadata_ttl") { io.metadataTTL = d }

        if gh["session_groups"] != nil {
            let patterns = strings(gh, "session_groups", path: "gatehouse.session_groups")
            for (i, p) in patterns.enumerated() where p.isEmpty || p.dropLast().contains("*") || p == "*" {
                problem("gatehouse.session_groups[\(i)]", "write a group name, or a prefix ending in * such as team-*")
            }
            cookie.sessionGroups = patterns
        }
        var state = StateConfig()
        if let text = string(gh, "state", path: "gatehouse.state") {
            if let backend = StateConfig.parseBackend(text) { state.backend = backend }
            else { problem("gatehouse.state", "use \"sqlite:/var/lib/gatehouse/state.db\", \"redis://HOST:PORT/DB\" (password in state_password) or \"none\"") }
        }
        state.password = secret(gh, "state_password", path: "gatehouse.state_password", external: secrets)
        if let d = duration(gh, "refresh_interval", path: "gatehouse.refresh_interval") {
            if d >= .seconds(1) { state.refreshInterval = d } else { problem("gatehouse.refresh_interval", "must be at least 1 second") }
        }
        if let d = duration(gh, "refresh_grace", path: "gatehouse.refresh_grace") { state.refreshGrace = d }
        if let b = bool(gh, "require_refresh", path: "gatehouse.require_refresh") { state.requireRefresh = b }
        if let n = int(gh, "revocation_capacity", path: "gatehouse.revocation_capacity") {
            if (1_000...1_000_000_000).contains(n) { state.revocationCapacity = n }
            else { problem("gatehouse.revocation_capacity", "must be between 1000 and 1000000000") }
        }
        let rules = readRules(gh, groupsClaim: headers.groupsClaim)
        let pages = readPages(gh)
        let auth = readAuth(root: root, gatehouse: gh, secrets: secrets, prefix: server.prefix)
        guard let auth else { return nil }
        checkRuleProviders(rules, auth: auth)
        let bearer = readBearer(gh, auth: auth)
        return GatehouseConfig(auth: auth, server: server, cookie: cookie, headers: headers, logging: logging, provider: io, state: state, rules: rules,
                               pages: pages, bearer: bearer)
    }

    static let gatehouseKeys: Set<String> = [
        "listen", "socket_mode", "workers", "read_timeout", "prefix", "trusted_proxies", "allowed_redirect_hosts", "login_timeout",
        "decision_cache_ttl", "max_pending_logins", "cookie_name", "cookie_domain", "cookie_path", "cookie_samesite", "cookie_secure",
        "cookie_lifetime", "previous_cookie_secrets", "headers", "log_level", "log_format", "provider_connect_timeout",
        "provider_timeout", "provider_ca_file", "metadata_ttl", "secret_files", "secret_env", "providers", "rules",
        "session_groups", "state", "state_password", "refresh_interval", "refresh_grace", "require_refresh", "revocation_capacity",
        "pages",
        "bearer",
    ]

    static func isToken(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 45 || $0 == 95 }
    }
}

// Typed getters: each reports a wrong type with the key path and returns nil.
extension ConfigReader {
    mutating func table(_ t: TOMLTable, _ key: String, path: String) -> TOMLTable? {
        guard let v = t[key] else { return nil }
        guard let table = v.table else { problem(path, "must be a table, found \(v.type)"); return nil }
        return table
    }

    mutating func string(_ t: TOMLTable, _ key: String, path: String) -> String? {
        guard let v = t[key] else { return nil }
        guard let s = v.string else { problem(path, "must be a string, found \(v.type)"); return nil }
        return s
    }

    mutating func int(_ t: TOMLTable, _ key: String, path: String) -> Int? {
        guard let v = t[key] else { return nil }
        guard let n = v.int else { problem(path, "must be an integer, found \(v.type)"); return nil }
        return n
    }

    mutating func bool(_ t: TOMLTable, _ key: String, path: String) -> Bool? {
        guard let v = t[key] else { return nil }
        guard let b = v.bool else { problem(path, "must be true or false, found \(v.type)"); return nil }
        return b
    }

    /// A string or an array of strings.
    mutating func strings(_ t: TOMLTable, _ key: String, path: String) -> [String] {
        guard let v = t[key] else { return [] }
        if let s = v.string { return [s] }
        guard let a = v.array else { problem(path, "must be a string or an array of strings"); return [] }
        var out: [String] = []
        for (i, item) in a.enumerated() {
            if let s = item.string { out.append(s) } else { problem("\(path)[\(i)]", "must be a string") }
        }
        return out
    }

    mutating func duration(_ t: TOMLTable, _ key: String, path: String) -> Duration? {
        guard let v = t[key] else { return nil }
        if let n = v.int, n >= 0 { return .seconds(n) }
        if let s = v.string, let d = DurationText.parse(s) { return d }
        problem(path, "must be a number of seconds or text like \"90s\", \"10m\", \"12h\", \"30d\"")
        return nil
    }

    mutating func checkKnownKeys(_ t: TOMLTable, path: String, known: Set<String>) {
        for key in t.keys.sorted() where !known.contains(key) {
            problem("\(path).\(key)", "unknown key (known: \(known.sorted().joined(separator: ", ")))")
        }
    }
}

import TOMLKit

/// Streamlit's `[auth]` table and its named providers, plus secrets from files and environment variables.
extension ConfigReader {
    static let secretKeyHint = "run `gatehouse new-secret` and use its output"

    /// `[gatehouse.secret_files]` and `[gatehouse.secret_env]`: key path → secret value.
    mutating func readSecretSources(_ gh: TOMLTable) -> [String: String] {
        var out: [String: String] = [:]
        if let files = table(gh, "secret_files", path: "gatehouse.secret_files") {
            for key in files.keys.sorted() {
                let path = "gatehouse.secret_files.\"\(key)\""
                guard let file = string(files, key, path: path) else { continue }
                guard let text = environment.readFile(file) else { problem(path, "cannot read \(file)"); continue }
                out[key] = text.trimmingCharacters(in: .whitespacesAndNewlines)
            }
        }
        if let vars = table(gh, "secret_env", path: "gatehouse.secret_env") {
            for key in vars.keys.sorted() {
                let path = "gatehouse.secret_env.\"\(key)\""
                guard let name = string(vars, key, path: path) else { continue }
                guard let value = environment.variables[name], !value.isEmpty else {
                    problem(path, "environment variable \(name) is not set"); continue
                }
                if out[key] != nil { problem(path, "\(key) is also given in gatehouse.secret_files; give it once") }
                out[key] = value
            }
        }
        return out
    }

    /// A secret from the TOML text or from a file/variable, never both.
    mutating func secret(_ t: TOMLTable, _ key: String, path: String, external: [String: String]) -> String? {
        let inline = string(t, key, path: path)
        if let outside = external[path] {
            if inline != nil { problem(path, "is set both in the file and in gatehouse.secret_files/secret_env; keep one") }
            return outside
        }
        return inline
    }

    mutating func readAuth(root: TOMLTable, gatehouse gh: TOMLTable, secrets: [String: String], prefix: String) -> AuthConfig? {
        let auth = table(root, "auth", path: "auth") ?? TOMLTable()
        for key in secrets.keys.sorted() where !Self.isSecretPath(key, auth: auth) {
            problem("gatehouse.secret_files.\"\(key)\"", "not a secret Gatehouse reads (auth.cookie_secret, auth.client_secret, auth.<provider>.client_secret, gatehouse.previous_cookie_secrets, gatehouse.state_password)")
        }

        var cookieSecrets: [String] = []
        if let s = secret(auth, "cookie_secret", path: "auth.cookie_secret", external: secrets) {
            if SecretStrength.isStrong(s) { cookieSecrets.append(s) } else {
                problem("auth.cookie_secret", "too weak (needs 32 bytes of entropy); \(Self.secretKeyHint)")
            }
        } else {
            problem("auth.cookie_secret", "missing: it keys the session cookie; \(Self.secretKeyHint)")
        }
        var previous = strings(gh, "previous_cookie_secrets", path: "gatehouse.previous_cookie_secrets")
        if let outside = secrets["gatehouse.previous_cookie_secrets"] {
            previous += outside.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        for (i, s) in previous.enumerated() {
            if SecretStrength.isStrong(s) { cookieSecrets.append(s) }
            else { problem("gatehouse.previous_cookie_secrets[\(i)]", "too weak (needs 32 bytes of entropy)") }
        }

        var redirectURI: String?
        if let uri = string(auth, "redirect_uri", path: "auth.redirect_uri") {
            if URLParts(uri) != nil { redirectURI = uri } else { problem("auth.redirect_uri", "must be an absolute http(s) URL such as https://example.com\(prefix)/callback") }
        }

        var exposeTokens: Set<AuthConfig.TokenKind> = []
        for (i, t) in strings(auth, "expose_tokens", path: "auth.expose_tokens").enumerated() {
            if let kind = AuthConfig.TokenKind(rawValue: t) { exposeTokens.insert(kind) }
            else { problem("auth.expose_tokens[\(i)]", "must be \"id\" or \"access\"") }
        }

        var providers: [String: ProviderConfig] = [:]
        let ghProviders = table(gh, "providers", path: "gatehouse.providers")
        let hasDefault = ["client_id", "client_secret", "server_metadata_url"].contains { auth[$0] != nil }
        if hasDefault, let p = readProvider(auth, name: AuthConfig.defaultProviderName, path: "auth", secrets: secrets, extras: ghProviders) {
            providers[p.name] = p
        }
        var providerTables = hasDefault ? 1 : 0
        for key in auth.keys.sorted() where auth[key]?.table != nil && key != "client_kwargs" {
            guard let t = auth[key]?.table else { continue }
            providerTables += 1
            if let p = readProvider(t, name: key, path: "auth.\(key)", secrets: secrets, extras: ghProviders) { providers[key] = p }
        }
        if providerTables > 0 && redirectURI == nil {
            problem("auth.redirect_uri", "missing: the provider needs it, e.g. https://example.com\(prefix)/callback")
        }
        guard !cookieSecrets.isEmpty else { return nil }
        return AuthConfig(redirectURI: redirectURI, cookieSecrets: cookieSecrets, providers: providers, exposeTokens: exposeTokens)
    }

    mutating func readProvider(_ t: TOMLTable, name: String, path: String, secrets: [String: String], extras: TOMLTable?) -> ProviderConfig? {
        let clientID = string(t, "client_id", path: "\(path).client_id")
        let clientSecret = secret(t, "client_secret", path: "\(path).client_secret", external: secrets)
        let metadata = string(t, "server_metadata_url", path: "\(path).server_metadata_url")
        if clientID == nil || clientID!.isEmpty { problem("\(path).client_id", "missing: the client id registered at the provider") }
        if clientSecret == nil { problem("\(path).client_secret", "missing: the client secret registered at the provider") }
        if let m = metadata {
            if URLParts(m) == nil { problem("\(path).server_metadata_url", "must be an http(s) URL ending in /.well-known/openid-configuration") }
        } else {
            problem("\(path).server_metadata_url", "missing: the provider's /.well-known/openid-configuration URL")
        }
        var kwargs: [String: String] = [:]
        if let k = table(t, "client_kwargs", path: "\(path).client_kwargs") {
            for key in k.keys.sorted() {
                let value = k[key]!
                if let s = value.string { kwargs[key] = s }
                else if let b = value.bool { kwargs[key] = b ? "true" : "false" }
                else if let n = value.int { kwargs[key] = String(n) }
                else { problem("\(path).client_kwargs.\(key)", "must be a string, number or boolean") }
            }
        }
        if let method = kwargs["token_endpoint_auth_method"], !["client_secret_basic", "client_secret_post"].contains(method) {
            problem("\(path).client_kwargs.token_endpoint_auth_method", "must be client_secret_basic or client_secret_post")
        }
        var algorithms: [String] = []
        var fetchUserinfo = true
        var displayName: String?
        var introspection = ProviderConfig.Introspection.off
        if let extras, let mine = table(extras, name, path: "gatehouse.providers.\(name)") {
            checkKnownKeys(mine, path: "gatehouse.providers.\(name)", known: ["allowed_signing_algorithms", "fetch_userinfo", "display_name", "introspection"])
            if let shown = string(mine, "display_name", path: "gatehouse.providers.\(name).display_name") {
                if !shown.isEmpty, shown.count <= 60, shown.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) { displayName = shown }
                else { problem("gatehouse.providers.\(name).display_name", "write 1 to 60 characters on one line, e.g. \"Example Corp account\"") }
            }
            algorithms = strings(mine, "allowed_signing_algorithms", path: "gatehouse.providers.\(name).allowed_signing_algorithms")
            if let b = bool(mine, "fetch_userinfo", path: "gatehouse.providers.\(name).fetch_userinfo") { fetchUserinfo = b }
            introspection = readIntrospection(mine, path: "gatehouse.providers.\(name).introspection")
        }
        guard let clientID, let metadata, !clientID.isEmpty else { return nil }
        return ProviderConfig(name: name, clientID: clientID, clientSecret: clientSecret, serverMetadataURL: metadata,
                              clientKwargs: kwargs, allowedSigningAlgorithms: algorithms, fetchUserinfo: fetchUserinfo,
                              displayName: displayName, introspection: introspection)
    }

    static func isSecretPath(_ key: String, auth: TOMLTable) -> Bool {
        if ["auth.cookie_secret", "auth.client_secret", "gatehouse.previous_cookie_secrets", "gatehouse.state_password"].contains(key) { return true }
        let parts = key.split(separator: ".")
        return parts.count == 3 && parts[0] == "auth" && parts[2] == "client_secret"
    }
}

import Foundation

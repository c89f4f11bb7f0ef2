/// The token endpoint and the userinfo endpoint: requests built here, sent through `OutboundHTTP`.
struct TokenClient: Sendable {
    let http: any OutboundHTTP

    struct Tokens: Sendable {
        let idToken: String
        let accessToken: String?
        var refreshToken: String? = nil
    }

    /// What a refresh (RFC 6749 section 6) gave.
    enum RefreshResult: Sendable {
        /// New tokens; the ID token is optional on a refresh (OpenID Connect Core 12.2).
        case tokens(idToken: String?, accessToken: String?, refreshToken: String?)
        /// The provider refused this refresh token (any 4xx: `invalid_grant` is the standard answer; some
        /// providers say `unauthorized_client` or `invalid_code`): the session ends. The safe error code.
        case refused(String)
        /// No usable answer (down, slow, 5xx, garbage): the session is served through `refresh_grace`.
        case unavailable(String)
    }

    /// Exchanges the code (RFC 6749 4.1.3 with PKCE).
    func exchange(code: String, login: PendingLogin, provider: ProviderConfig, metadata: ProviderMetadata, redirectURI: String) throws(GatehouseError) -> Tokens {
        let form = QueryParameters([("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI),
                                    ("code_verifier", login.codeVerifier)])
        let response: OutboundResponse
        do {
            response = try http.send(tokenRequest(form, provider: provider, metadata: metadata))
        } catch {
            throw .provider(error, "The sign-in service did not answer. Please try again.", detail: "token endpoint of \(provider.name)")
        }
        let json = JSONText.parseObject(response.body)
        guard response.status == 200 else {
            let code = json?["error"]?.stringValue.map(Self.safeErrorCode) ?? "none"
            let kind: GatehouseError.Kind = (400..<500).contains(response.status) ? .badRequest : .providerUnavailable
            throw GatehouseError(kind, "The sign-in service refused to complete the sign-in. Please start again.",
                                 detail: "token endpoint of \(provider.name) answered HTTP \(response.status), error \(code)")
        }
        guard let json, let idToken = json["id_token"]?.stringValue else {
            throw GatehouseError(.providerUnavailable, "The sign-in service sent an unusable answer.",
                                 detail: "token endpoint of \(provider.name): no id_token in the response")
        }
        return Tokens(idToken: idToken, accessToken: json["access_token"]?.stringValue, refreshToken: json["refresh_token"]?.stringValue)
    }

    /// `grant_type=refresh_token`. Never throws: every answer is a `RefreshResult`; no token reaches a log.
    func refresh(_ refreshToken: String, provider: ProviderConfig, metadata: ProviderMetadata) -> RefreshResult {
        let form = QueryParameters([("grant_type", "refresh_token"), ("refresh_token", refreshToken)])
        let response: OutboundResponse
        do {
            response = try http.send(tokenRequest(form, provider: provider, metadata: metadata))
        } catch {
            return .unavailable(error.isTimeout ? "timed out" : "unreachable")
        }
        let json = JSONText.parseObject(response.body)
        let code = json?["error"]?.stringValue.map(Self.safeErrorCode)
        // Throttling and a broken client configuration are not a verdict on this session.
        if (400..<500).contains(response.status), ![408, 429].contains(response.status), code != "invalid_client" {
            return .refused(code ?? "HTTP \(response.status)")
        }
        guard response.status == 200, let json, json["access_token"]?.stringValue != nil || json["id_token"]?.stringValue != nil else {
            return .unavailable("HTTP \(response.status)" + (code.map { ", error \($0)" } ?? ""))
        }
        return .tokens(idToken: json["id_token"]?.stringValue, accessToken: json["access_token"]?.stringValue,
                       refreshToken: json["refresh_token"]?.stringValue)
    }

    /// A token-endpoint POST with the client's authentication: `client_secret_basic` unless the config asks for
    /// `client_secret_post`, or the provider advertises only post.
    func tokenRequest(_ form: QueryParameters, provider: ProviderConfig, metadata: ProviderMetadata) -> OutboundRequest {
        clientAuthenticatedPost(form, url: metadata.tokenEndpoint, provider: provider, metadata: metadata, endpoint: .token)
    }

    /// A form POST to one of the provider's endpoints (token, introspection) with the client's authentication.
    func clientAuthenticatedPost(_ form: QueryParameters, url: String, provider: ProviderConfig, metadata: ProviderMetadata,
                                 endpoint: OutboundRequest.Endpoint) -> OutboundRequest {
        var form = form
        var headers = [Response.Header("Content-Type", "application/x-www-form-urlencoded"), Response.Header("Accept", "application/json")]
        let supported = metadata.tokenEndpointAuthMethods
        let usePost = provider.tokenEndpointAuthMethod == "client_secret_post"
            || (!supported.contains("client_secret_basic") && supported.contains("client_secret_post"))
        if usePost {
            form.append("client_id", provider.clientID)
            if let secret = provider.clientSecret { form.append("client_secret", secret) }
        } else {
            // RFC 6749 2.3.1: each part form-urlencoded before base64.
            let credentials = PercentEncoding.encode(provider.clientID) + ":" + PercentEncoding.encode(provider.clientSecret ?? "")
            headers.append(Response.Header("Authorization", "Basic " + Base64.standard(Array(credentials.utf8))))
        }
        return OutboundRequest(method: .post, url: url, headers: headers, body: Array(form.encoded.utf8), endpoint: endpoint)
    }

    /// Userinfo with the access token as a Bearer header (never in the query). Nil when it cannot be used.
    func userinfo(accessToken: String, endpoint: String) -> Result<[String: JSONValue], GatehouseError> {
        do {
            let r = try http.send(OutboundRequest(method: .get, url: endpoint, headers: [
                Response.Header("Authorization", "Bearer " + accessToken), Response.Header("Accept", "application/json"),
            ], endpoint: .userinfo))
            guard r.status == 200, let claims = JSONText.parseObject(r.body) else {
                return .failure(GatehouseError(.providerUnavailable, "userinfo unusable", detail: "userinfo answered HTTP \(r.status)"))
            }
            return .success(claims)
        } catch {
            return .failure(GatehouseError(.providerUnavailable, "userinfo unreachable", detail: "userinfo: \(error.description)"))
        }
    }

    /// Provider error codes are shown and logged only as `[a-z_]` text.
    static func safeErrorCode(_ s: String) -> String {
        String(s.lowercased().unicodeScalars.filter { ("a"..."z").contains($0) || $0 == "_" }.prefix(64).map(Character.init))
    }
}

/// Standard base64 with padding (HTTP Basic credentials).
enum Base64 {
    static func standard(_ bytes: [UInt8]) -> String {
        var s = Base64URL.encode(bytes).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.utf8.count % 4 != 0 { s += "=" }
        return s
    }
}

import Foundation
